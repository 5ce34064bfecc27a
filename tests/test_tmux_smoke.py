"""Smoke test: the INSTALLED `analyzer tui sample_logs` in a real terminal (tmux), driven by keys."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_logs"
ANALYZER = Path(sys.executable).with_name("analyzer")

pytestmark = [
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
    pytest.mark.skipif(
        not ANALYZER.exists(), reason="the analyzer console script is not installed"
    ),
]


def _tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=True).stdout


def _wait_screen(session: str, cond: Callable[[str], bool], timeout: float = 30.0) -> str:
    """Poll ``capture-pane`` until ``cond(screen)`` holds (a deadline, not a fixed sleep)."""
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = _tmux("capture-pane", "-p", "-t", session)
        if cond(screen):
            return screen
        time.sleep(0.1)
    raise AssertionError(f"screen never matched; last screen:\n{screen}")


def test_tui_in_tmux_shows_runs_charts_and_quits() -> None:
    if not any(SAMPLES.rglob("*.log")):
        pytest.skip("sample_logs has no logs yet")
    session = f"analyzer-smoke-{uuid.uuid4().hex[:8]}"
    cmd = f"cd {ROOT} && TERM=xterm-256color {ANALYZER} tui sample_logs; echo EXIT=$?; sleep 30"
    _tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "36", cmd)
    try:
        screen = _wait_screen(session, lambda s: "tp2pp4" in s and "strategy" in s)
        assert "Runs" in screen and "Charts" in screen
        _tmux("send-keys", "-t", session, "2")
        screen = _wait_screen(session, lambda s: "step time" in s and "loss" in s)
        _tmux("send-keys", "-t", session, "?")
        _wait_screen(session, lambda s: "Everywhere" in s)
        _tmux("send-keys", "-t", session, "Escape")
        _wait_screen(session, lambda s: "Everywhere" not in s)
        _tmux("send-keys", "-t", session, "q")
        screen = _wait_screen(session, lambda s: "EXIT=" in s)
        assert "EXIT=0" in screen and "Traceback" not in screen
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
