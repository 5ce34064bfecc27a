"""`analyzer demo` with its TUI in a real terminal (tmux): quitting it, or closing the terminal,
stops what still runs."""

from __future__ import annotations

import shutil
import sys
import uuid
from pathlib import Path

import pytest

from analyzer.launch import registry
from analyzer.launch.runner import stop_run
from tests.launch.helpers import Tmux, processes_mentioning, wait_until

ANALYZER = Path(sys.executable).with_name("analyzer")

pytestmark = [
    pytest.mark.msrun,
    pytest.mark.xdist_group("msrun"),
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
    pytest.mark.skipif(
        not ANALYZER.exists(), reason="the analyzer console script is not installed"
    ),
]


def _statuses(runs: Path) -> list[str]:
    return [rec["status"] for _p, rec in registry.list_runs(runs)]


@pytest.mark.parametrize("how", ["q", "hangup"])
def test_leaving_the_demo_tui_stops_its_runs(tmp_path: Path, how: str) -> None:
    pytest.importorskip("mindspore")
    runs = tmp_path / "demo"
    session = f"analyzer-demo-{uuid.uuid4().hex[:8]}"
    cmd = (
        f"TERM=xterm-256color {ANALYZER} demo --steps 100000 --variant dp2 --variant dp1"
        f" --runs-dir {runs}; echo EXIT=$?; sleep 60"
    )
    _tmux = Tmux()
    _tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "36", cmd)
    try:

        def running() -> list[Path]:
            return [p for p, rec in registry.list_runs(runs) if rec["status"] == "running"]

        wait_until(lambda: bool(running()), timeout=60, what="a run started")
        (first,) = running()
        wait_until(
            lambda: len(processes_mentioning(str(first))) >= 4,
            timeout=120,
            what="msrun, its scheduler and 2 workers",
        )
        if how == "q":
            _tmux("send-keys", "-t", session, "q")
            wait_until(lambda: "EXIT=" in _tmux("capture-pane", "-p", "-t", session), timeout=90)
            screen = _tmux("capture-pane", "-p", "-t", session)
            assert "EXIT=0" in screen and "Traceback" not in screen
            _tmux("kill-session", "-t", session)  # its shell names the runs too
        else:  # the terminal goes away: SIGHUP
            _tmux("kill-session", "-t", session)
            wait_until(lambda: "running" not in _statuses(runs), timeout=90, what="stopped")
        # the running one and the queued one, and no process left
        assert _statuses(runs) == ["stopped", "stopped"]
        wait_until(lambda: processes_mentioning(str(runs)) == [], timeout=30, what="no process")
    finally:
        _tmux.close()
        for run_dir, rec in registry.list_runs(runs):  # a failed test leaves nothing running
            if rec["status"] in registry.ACTIVE:
                stop_run(run_dir, grace=5.0)
