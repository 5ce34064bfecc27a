"""Only the optional C extension lives here; everything else is in pyproject.toml.

``optional=True``: on a machine without a C compiler the build prints a warning and the
package installs without it (analyzer.fastscan then takes the polars path, same records).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "analyzer._scan",
            ["analyzer/_scan.c"],
            optional=True,
            extra_compile_args=["-O2"],
        )
    ]
)
