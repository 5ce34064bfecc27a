"""`analyzer tui` with runs started from its Launch screen: closing the terminal stops them
(SIGHUP used to kill the TUI at once, leaving its runs without a supervisor, later `lost`)."""

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
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
    pytest.mark.skipif(not ANALYZER.exists(), reason="the analyzer console script is missing"),
]

SPEC = """name = "sleepy"
command = ["{python}", "-c", "import time; print('started', flush=True); time.sleep(600)"]
launcher = "command"
[[variants]]
name = "a"
"""


def test_closing_the_terminal_stops_runs_started_from_the_launch_screen(tmp_path: Path) -> None:
    (tmp_path / "sleepy.toml").write_text(SPEC.format(python=sys.executable))
    session = f"analyzer-tui-{uuid.uuid4().hex[:8]}"
    cmd = f"cd {tmp_path} && TERM=xterm-256color {ANALYZER} tui {tmp_path}"
    _tmux = Tmux()
    _tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "36", cmd)
    try:
        wait_until(lambda: "Launch" in _tmux("capture-pane", "-p", "-t", session), timeout=30)
        _tmux("send-keys", "-t", session, "7")
        wait_until(lambda: "sleepy" in _tmux("capture-pane", "-p", "-t", session), timeout=30)
        _tmux("send-keys", "-t", session, "a")  # start every variant of the selected spec
        statuses = lambda: [rec["status"] for _p, rec in registry.list_runs(tmp_path)]  # noqa: E731
        wait_until(lambda: statuses() == ["running"], timeout=30, what="the run started")
        wait_until(lambda: processes_mentioning(str(tmp_path)) != [], timeout=30)
        _tmux("kill-session", "-t", session)  # the terminal goes away: SIGHUP
        wait_until(lambda: statuses() == ["stopped"], timeout=60, what="recorded stopped")
        # Textual's own shutdown may hang on the vanished terminal: the TUI leaves anyway
        wait_until(lambda: processes_mentioning(str(tmp_path)) == [], timeout=90, what="no process")
    finally:
        _tmux.close()
        for run_dir, rec in registry.list_runs(tmp_path):
            if rec["status"] in registry.ACTIVE:
                stop_run(run_dir, grace=5.0)
