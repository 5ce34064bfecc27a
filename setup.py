"""Only the optional C extensions live here; everything else is in pyproject.toml.

``optional=True``: on a machine without a C compiler the build prints a warning and the
package installs without it (analyzer.fastscan then takes the polars path, same records).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            name,
            [f"analyzer/{name.split('.')[-1]}.c"],
            depends=["analyzer/_native.h"],
            optional=True,
            extra_compile_args=["-O2"],
        )
        for name in ("analyzer._scan", "analyzer._bodies")
    ]
)
