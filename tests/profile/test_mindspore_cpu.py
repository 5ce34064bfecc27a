"""MindSpore's profiler on the CPU: what it writes is read (fixture, and a live run)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from tests.profile.conftest import HERE, one_run


def _check(summary) -> None:
    assert summary.ranks.is_empty()
    assert any("no per-step breakdown" in n for n in summary.notes)
    assert summary.communication["source"] == "trace_view.json (CPU OP)"
    assert "MatMul" in summary.top_operators["name"].to_list()
    assert "MatMul" in summary.top_types["type"].to_list()
    assert summary.memory["peak_reserved_mb"][0] == pytest.approx(1024.0)
    assert not any("skipped" in n for n in summary.notes)


def test_fixture_of_mindspore_cpu_profiler() -> None:
    _check(one_run([HERE / "fixtures" / "mindspore_cpu"]))


@pytest.mark.skipif(importlib.util.find_spec("mindspore") is None, reason="MindSpore missing")
@pytest.mark.timeout(300)
def test_live_mindspore_cpu_profile(tmp_path: Path) -> None:
    out = tmp_path / "prof"
    subprocess.run(
        [sys.executable, str(HERE / "mindspore_cpu_profile.py"), str(out)],
        check=True,
        capture_output=True,
        cwd=tmp_path,
        timeout=280,
    )
    _check(one_run([out]))
