"""The headless core never imports Textual (Harlequin's rule): parsing, tailing and analysis
must run on a server with no terminal UI installed, and stay fast to import."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import analyzer
import parsers


def _headless_modules() -> list[str]:
    names = ["parsers", "analyzer"]
    for pkg in (parsers, analyzer):
        for info in pkgutil.walk_packages(pkg.__path__, prefix=f"{pkg.__name__}."):
            if ".tui" in info.name or info.name.endswith("__main__"):
                continue
            if ".launch.workloads" in info.name:  # runs inside MindSpore workers
                continue
            names.append(info.name)
    return names


def test_headless_core_does_not_import_textual() -> None:
    modules = _headless_modules()
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}:\n"
        "    importlib.import_module(m)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'textual_plotext', 'plotext'))\n"
        "print(' '.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"headless modules imported: {out.stdout}"
    assert len(modules) > 10


def test_cli_parse_does_not_import_textual() -> None:
    code = (
        "import sys\n"
        "from analyzer.cli import build_parser\n"
        "build_parser()\n"
        "print('textual' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
