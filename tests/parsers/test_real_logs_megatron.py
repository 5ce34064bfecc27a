"""Golden tests: every real Megatron-family and DeepSpeed/HF log parses to its committed records.

Regenerate after an intended parser change with ``UPDATE_GOLDENS=1 pytest tests/parsers/test_real_logs_megatron.py``
and read the diff: the numbers must match the log lines.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from analyzer.jsonl import dumps
from analyzer.load import parse_file
from tests.conftest import REPO, real_log_files

FAMILIES = ("megatron", "deepspeed_hf")
GOLDEN_DIR = REPO / "tests" / "golden" / "real_logs"
FILES = [(family, path) for family in FAMILIES for path in real_log_files(family)]


def golden_lines(path: Path) -> list[str]:
    """The file's records as sorted JSON lines, ``source`` reduced to the file name."""
    result = parse_file(path, path.stem, None)
    assert not result.partial_tail, f"{path.name}: unterminated last line"
    lines = []
    for rec in result.records:
        rec["source"] = path.name
        lines.append(dumps(rec))
    return sorted(lines, key=lambda s: (_line_of(s), s))


def _line_of(text: str) -> int:
    i = text.find('"line": ')
    return int(text[i + 8 :].split(",", 1)[0].split("}", 1)[0])


@pytest.mark.skipif(not FILES, reason="../shared/real_logs not found")
@pytest.mark.parametrize(("family", "path"), FILES, ids=[f"{f}/{p.name}" for f, p in FILES])
def test_real_log_matches_golden(family: str, path: Path) -> None:
    golden = GOLDEN_DIR / family / (path.stem + ".jsonl")
    got = golden_lines(path)
    if os.environ.get("UPDATE_GOLDENS"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text("".join(line + "\n" for line in got), encoding="utf-8")
    assert golden.exists(), f"no golden {golden}: run with UPDATE_GOLDENS=1 and check it by eye"
    want = golden.read_text(encoding="utf-8").splitlines()
    assert got == want, f"{path.name} differs from {golden.name} (UPDATE_GOLDENS=1 to regenerate)"
