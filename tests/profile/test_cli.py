"""`analyzer profile` as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl

from tests.profile.conftest import FIXTURE_RUN


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "analyzer", "profile", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_table_speaks_msprof_vocabulary() -> None:
    out = _run(str(FIXTURE_RUN))
    assert out.returncode == 0, out.stderr
    for word in (
        "Computing",
        "Comm(Not Overlapped)",
        "Free",
        "Bubble",
        "Slow ranks",
        "rank 3",
        "Top operators",
        "HCCS",
        "Slowest links",
        "peak allocated MB",
    ):
        assert word in out.stdout


def test_json_and_csv(tmp_path: Path) -> None:
    out = _run(str(FIXTURE_RUN), "--format", "json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["slow_ranks"][0]["rank"] == 3 and data["top_operators"]
    target = tmp_path / "ranks.csv"
    assert _run(str(FIXTURE_RUN), "--format", "csv", "-o", str(target)).returncode == 0
    df = pl.read_csv(target)
    assert df.height == 8 and "communication_not_overlapped_us" in df.columns
    again = _run(str(FIXTURE_RUN), "--format", "csv", "-o", str(target))
    assert again.returncode == 2 and "--force" in again.stderr
    assert _run(str(FIXTURE_RUN), "--format", "csv", "-o", str(target), "--force").returncode == 0


def test_bad_input_is_one_line_exit_2(tmp_path: Path) -> None:
    out = _run(str(tmp_path / "missing"))
    assert out.returncode == 2
    assert out.stderr.startswith("analyzer: error:") and len(out.stderr.splitlines()) == 1
    empty = _run(str(tmp_path))
    assert empty.returncode == 2 and "no profiler output" in empty.stderr
