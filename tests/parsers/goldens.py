"""The golden-file check shared by the real-log tests of every parser family.

Regenerate after an intended parser change with ``UPDATE_GOLDENS=1 pytest tests/parsers`` and read
the diff: the numbers must match the log lines.
"""

from __future__ import annotations

import os
from pathlib import Path

from analyzer.jsonl import dumps
from analyzer.load import parse_file
from tests.conftest import REPO

GOLDEN_DIR = REPO / "tests" / "golden" / "real_logs"


def golden_lines(path: Path) -> list[str]:
    """The file's records as JSON lines ordered by line number, ``source`` = the file name."""
    result = parse_file(path, path.stem, None)
    assert not result.partial_tail, f"{path.name}: unterminated last line"
    lines = []
    for rec in result.records:
        rec["source"] = path.name
        lines.append((rec["line"], dumps(rec)))
    return [text for _, text in sorted(lines)]


def check_golden(family: str, path: Path) -> None:
    """The file parses to its committed golden (written instead with UPDATE_GOLDENS=1)."""
    golden = GOLDEN_DIR / family / (path.stem + ".jsonl")
    got = golden_lines(path)
    if os.environ.get("UPDATE_GOLDENS"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text("".join(line + "\n" for line in got), encoding="utf-8")
    assert golden.exists(), f"no golden {golden}: run with UPDATE_GOLDENS=1 and check it by eye"
    want = golden.read_text(encoding="utf-8").splitlines()
    assert got == want, f"{path.name} differs from {golden.name} (UPDATE_GOLDENS=1 to regenerate)"
