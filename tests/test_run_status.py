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
