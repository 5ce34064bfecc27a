"""run_status reconciles a launched run's run.json: a dead "running" run is lost, a live one runs."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from analyzer.discover import RankFile, Run
from analyzer.launch.registry import pid_start_time
from analyzer.run_status import STATUSES, run_status
from analyzer.store import RunData


def _launched(tmp_path: Path, name: str, record: dict) -> RunData:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "console.log").write_text("starting\n")
    (folder / "run.json").write_text(json.dumps({"host": socket.gethostname(), **record}))
    return RunData(Run(name, folder, [RankFile(folder / "console.log", None)]))


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_running_run_whose_processes_are_gone_is_lost(tmp_path: Path) -> None:
    dead = _dead_pid()
    data = _launched(
        tmp_path, "dead", {"status": "running", "pid": dead, "pgid": dead, "supervisor_pid": dead}
    )
    assert run_status(data) == "lost"
    assert json.loads((tmp_path / "dead" / "run.json").read_text())["status"] == "lost"


def test_running_run_with_a_live_supervisor_stays_running(tmp_path: Path) -> None:
    me = os.getpid()
    record = {"status": "running", "supervisor_pid": me, "supervisor_start": pid_start_time(me)}
    assert run_status(_launched(tmp_path, "alive", record)) == "running"


def test_queued_and_terminal_statuses_are_kept(tmp_path: Path) -> None:
    me = os.getpid()
    queued = {"status": "queued", "supervisor_pid": me, "supervisor_start": pid_start_time(me)}
    assert run_status(_launched(tmp_path, "queued", queued)) == "queued"
    assert run_status(_launched(tmp_path, "old", {"status": "stopped", "pid": 1})) == "stopped"
    assert {"queued", "lost"} <= set(STATUSES)


def test_a_job_cancelled_by_slurm_is_stopped_not_running(tmp_path: Path) -> None:
    """Freshly written logs would read as running; Slurm's cancel line says otherwise."""
    from analyzer.load import load_paths

    run = tmp_path / "job"
    run.mkdir()
    lines = [
        " iteration        1/    1000 | elapsed time per iteration (ms): 1201.0 | lm loss: 2.5E+00 |",
        "slurmstepd: error: *** JOB 1234 ON node1 CANCELLED AT 2024-05-01T10:11:12"
        " DUE TO TIME LIMIT ***",
    ]
    (run / "slurm-1234.out").write_text("\n".join(lines) + "\n")
    (data,) = load_paths([run], use_cache=False)
    assert run_status(data) == "stopped"
