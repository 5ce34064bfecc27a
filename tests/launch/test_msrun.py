"""Real 2-worker msrun jobs on the CPU: one that finishes and is parsed, one that is stopped.

Marked ``msrun`` and grouped so two never run at once; skipped only when MindSpore is missing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from analyzer.cli import main
from analyzer.launch import registry
from analyzer.launch.runner import stop_run
from analyzer.load import load_paths
from analyzer.summary import compare_table
from tests.launch.helpers import processes_mentioning, wait_until, write_spec

pytestmark = [pytest.mark.msrun, pytest.mark.xdist_group("msrun")]


@pytest.fixture(autouse=True)
def _mindspore() -> None:
    pytest.importorskip("mindspore")


def _spec(tmp_path: Path, steps: int, marker: str) -> Path:
    return write_spec(
        tmp_path,
        f"""
name = "ms"
launcher = "msrun"
command = ["{{workloads}}/train_lm.py", "--steps", "{{steps}}", "--seq-length", "32"]
env = {{ LAUNCH_TEST_MARKER = "{marker}" }}
params = {{ steps = {steps} }}
msrun = {{ worker_num = 2, local_worker_num = 2, master_port = "auto", join = true }}
[[variants]]
name = "dp2"
""",
    )


def test_msrun_launch_finishes_and_is_parsed(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    assert (
        main(["launch", str(_spec(tmp_path, 3, f"m-ok-{os.getpid()}")), "--runs-dir", str(runs)])
        == 0
    )
    (run_dir,) = [d for d in runs.iterdir() if d.is_dir()]
    rec = registry.read_run(run_dir)
    assert rec["status"] == "finished" and rec["exit_code"] == 0
    logs = sorted(p.name for p in (run_dir / "msrun_log").iterdir())
    assert logs == ["scheduler.log", "worker_0.log", "worker_1.log"]
    (data,) = load_paths([runs])
    assert data.run.name == run_dir.name  # console.log is not a second run
    steps = data.steps
    assert sorted(steps["rank"].unique().to_list()) == [0, 1]
    assert steps.height == 6 and steps["loss"].is_not_null().all()
    assert (steps["tflops"] > 0).all() and (steps["step_time_ms"] > 0).all()
    config = data.config_dict()
    assert config.get("dp") == "2" and config.get("tp") == "1" and config.get("world_size") == "2"
    assert set(data.memory["metric"].unique().to_list()) == {"host_rss", "max_host_rss"}
    row = compare_table([data]).table.row(0, named=True)
    assert row["peak_memory_metric"] == "max_host_rss" and row["peak_memory_mb"] > 100


def test_msrun_stop_leaves_no_process(tmp_path: Path) -> None:
    marker = f"m-stop-{os.getpid()}"
    runs = tmp_path / "runs"
    assert (
        main(["launch", str(_spec(tmp_path, 10_000, marker)), "--runs-dir", str(runs), "--detach"])
        == 0
    )
    (run_dir,) = [d for d in runs.iterdir() if d.is_dir()]
    worker = run_dir / "msrun_log" / "worker_1.log"
    wait_until(
        lambda: worker.exists() and " iteration " in worker.read_text(errors="replace"),
        timeout=120,
        what="worker 1 training",
    )
    pgid = registry.read_run(run_dir)["pgid"]
    assert len(processes_mentioning(marker)) >= 4  # msrun, scheduler, two workers
    rec = stop_run(run_dir, grace=10.0)
    assert rec["status"] == "stopped"
    assert processes_mentioning(marker) == []
    assert registry.group_members(pgid) == []
    wait_until(lambda: registry.read_run(run_dir).get("exit_code") is not None, what="exit code")
    assert registry.read_run(run_dir)["status"] == "stopped"
