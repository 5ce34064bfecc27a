"""`analyzer demo` with its TUI in a real terminal (tmux): quitting stops what still runs."""

from __future__ import annotations

import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from analyzer.launch import registry
from tests.launch.helpers import processes_mentioning, wait_until

ANALYZER = Path(sys.executable).with_name("analyzer")

pytestmark = [
    pytest.mark.msrun,
    pytest.mark.xdist_group("msrun"),
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
    pytest.mark.skipif(
        not ANALYZER.exists(), reason="the analyzer console script is not installed"
    ),
]


def _screen(session: str) -> str:
    return subprocess.run(
        ["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True, check=True
    ).stdout


def test_quitting_the_demo_tui_stops_its_runs(tmp_path: Path) -> None:
    pytest.importorskip("mindspore")
    runs = tmp_path / "demo"
    session = f"analyzer-demo-{uuid.uuid4().hex[:8]}"
    cmd = (
        f"TERM=xterm-256color {ANALYZER} demo --steps 100000 --variant dp2 --variant dp1"
        f" --runs-dir {runs}; echo EXIT=$?; sleep 60"
    )
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "36", cmd], check=True
    )
    try:

        def running() -> list[Path]:
            return [p for p, rec in registry.list_runs(runs) if rec["status"] == "running"]

        try:
            wait_until(lambda: bool(running()), timeout=60, what="a run started")
        except AssertionError as exc:
            raise AssertionError(f"{exc}; screen:\n{_screen(session)}") from None
        (first,) = running()
        worker = first / "msrun_log" / "worker_0.log"
        wait_until(worker.exists, timeout=120, what="msrun's workers started")
        assert len(processes_mentioning(str(first))) >= 3  # msrun, scheduler, workers
        subprocess.run(["tmux", "send-keys", "-t", session, "q"], check=True)
        wait_until(lambda: "EXIT=" in _screen(session), timeout=90, what="the demo to exit")
        screen = _screen(session)
        assert "EXIT=0" in screen and "Traceback" not in screen
        statuses = [rec["status"] for _p, rec in registry.list_runs(runs)]
        assert statuses == ["stopped", "stopped"]  # the running one and the queued one
        assert processes_mentioning(str(runs)) == []
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True, check=False)
