"""Shared paths for the profile tests: the fixture tree and the real profiler files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
FIXTURE_RUN = HERE / "fixtures" / "pp2_run"
SHARED = Path(__file__).resolve().parents[2].parent / "shared"
REAL = SHARED / "real_logs" / "profiler"


@pytest.fixture
def real_dir() -> Path:
    if not REAL.is_dir():
        pytest.skip(f"{REAL} not present")
    return REAL


def real_files() -> list[Path]:
    if not REAL.is_dir():
        return []
    return sorted(p for p in REAL.iterdir() if p.is_file() and not p.name.endswith(".source.txt"))


def one_run(paths: list[Path]):  # type: ignore[no-untyped-def]
    """The summary of the single profiled run under ``paths``."""
    from analyzer.profile import profile_paths

    report = profile_paths(paths)
    assert len(report.runs) == 1, [r.run for r in report.runs]
    return report.runs[0]


def profile_cli(*args: str) -> subprocess.CompletedProcess:
    """``analyzer profile ARGS`` as a user runs it, output captured."""
    return subprocess.run(
        [sys.executable, "-m", "analyzer", "profile", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
