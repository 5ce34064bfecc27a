"""Discovery of runs: a run being created while it is scanned gets the name it will keep."""

from __future__ import annotations

from pathlib import Path

import pytest

import analyzer.discover
from analyzer.discover import discover


def _msrun_run(root: Path) -> Path:
    log_dir = root / "runs" / "tp2pp4" / "msrun_log"
    log_dir.mkdir(parents=True)
    (log_dir / "worker_0.log").write_text("x\n")
    return log_dir


def test_msrun_layout_is_named_after_its_directory(tmp_path: Path) -> None:
    _msrun_run(tmp_path)
    (run,) = discover([tmp_path / "runs"])
    assert (run.name, run.path.name) == ("tp2pp4", "tp2pp4")


def test_msrun_log_appearing_mid_scan_still_names_the_parent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scan looked at tp2pp4 before msrun_log existed, then found msrun_log inside it (a
    launcher creating the run as we scan): the run is still tp2pp4, the name every later scan
    gives it, so a live session never follows its files under a second name."""
    log_dir = _msrun_run(tmp_path)
    real = analyzer.discover.is_run_dir
    monkeypatch.setattr(analyzer.discover, "is_run_dir", lambda d: d != log_dir.parent and real(d))
    (run,) = discover([tmp_path / "runs"])
    assert (run.name, run.path, run.group) == ("tp2pp4", log_dir.parent, "runs")
    assert [f.path for f in run.files] == [log_dir / "worker_0.log"]


def test_an_msrun_log_directory_given_itself_is_a_run(tmp_path: Path) -> None:
    log_dir = _msrun_run(tmp_path)
    (run,) = discover([log_dir])
    assert run.name == "msrun_log" and [f.path for f in run.files] == [log_dir / "worker_0.log"]


def test_repeated_or_nested_paths_give_each_run_once(tmp_path: Path) -> None:
    """`parse a a` and `parse group group/run` crashed ("18 parts for 9 files")."""
    group = tmp_path / "group"
    for name in ("a", "b"):
        (group / name / "msrun_log").mkdir(parents=True)
        (group / name / "msrun_log" / "worker_0.log").write_text("x\n")
    a = group / "a"
    assert [r.name for r in discover([a, a])] == ["a"]
    assert sorted(r.name for r in discover([group, a])) == ["a", "b"]
    assert [r.name for r in discover([a / "msrun_log" / "worker_0.log", a])] == ["worker_0"]


def test_parse_of_a_repeated_path_gives_its_records_once(tmp_path: Path) -> None:
    import subprocess
    import sys

    run = Path(__file__).parent.parent / "sample_logs" / "qwen25_7b_strategies" / "tp2pp4"
    args = [sys.executable, "-m", "analyzer", "parse", "-q", "--kind", "steps", "--no-cache"]
    once = subprocess.run([*args, str(run)], capture_output=True, text=True, check=True)
    twice = subprocess.run([*args, str(run), str(run)], capture_output=True, text=True)
    assert twice.returncode == 0 and twice.stdout == once.stdout
