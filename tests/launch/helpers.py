"""Helpers for the launch tests: writing specs, polling with a deadline, finding leftover processes."""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path

DEADLINE = 60.0


def wait_until(pred: Callable[[], bool], timeout: float = DEADLINE, what: str = "") -> None:
    """Poll ``pred`` until it is true; fail the test after ``timeout`` seconds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what or pred}")


def write_spec(tmp_path: Path, text: str, name: str = "spec.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def processes_mentioning(marker: str) -> list[int]:
    """Live (non-zombie) pids whose command line or environment contains ``marker``."""
    found: list[int] = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read().decode("ascii", "replace")
            if stat[stat.rfind(")") + 2 :].startswith("Z"):
                continue
            blobs = [Path(f"/proc/{entry}/cmdline").read_bytes()]
            with contextlib.suppress(OSError):
                blobs.append(Path(f"/proc/{entry}/environ").read_bytes())
        except OSError:
            continue
        if any(marker.encode() in b for b in blobs):
            found.append(int(entry))
    return found


class Tmux:
    """A private tmux server (its own socket) for one test, started with an idle session first:
    a tmux server keeps the command line of the client that started it, so a server started by
    the test's own session would itself be a process "mentioning" the test's paths."""

    def __init__(self) -> None:
        self.socket = f"analyzer-test-{uuid.uuid4().hex[:8]}"
        self("new-session", "-d", "-s", "idle", "sleep 3600")

    def __call__(self, *args: str, check: bool = True) -> str:
        cmd = ["tmux", "-L", self.socket, *args]
        return subprocess.run(cmd, capture_output=True, text=True, check=check).stdout

    def close(self) -> None:
        self("kill-server", check=False)
