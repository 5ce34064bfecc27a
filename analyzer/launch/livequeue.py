"""A queue of prepared runs that can change while it runs: add, reorder, pause, stop.

The TUI's Launch screen drives it; a background thread starts the next run when a slot is free
(``parallel`` at a time) and records each end in ``run.json``. Closing it stops what still runs
and marks the rest ``stopped``, so no run is left without a supervisor.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

from analyzer.errors import InputError
from analyzer.launch import registry, runner

POLL_S = 0.2


class RunQueue:
    """Pending run directories, started in order by a background thread."""

    def __init__(
        self,
        *,
        parallel: int = 1,
        grace: float = 30.0,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self.parallel = max(1, parallel)
        self.grace = grace
        self.on_change = on_change or (lambda: None)
        self.pending: list[Path] = []
        self.running: dict[Path, subprocess.Popen[bytes]] = {}
        self.paused = False
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._closed = False
        self._thread = threading.Thread(target=self._loop, name="launch-queue", daemon=True)
        self._thread.start()

    # changes ----------------------------------------------------------------------------------
    def add(self, run_dirs: list[Path]) -> None:
        """Queue prepared runs; this process is their supervisor from now on."""
        me = os.getpid()
        for run_dir in run_dirs:
            registry.update_run(
                run_dir, supervisor_pid=me, supervisor_start=registry.pid_start_time(me)
            )
        with self._lock:
            self.pending.extend(run_dirs)
        self._wake.set()

    def move(self, run_dir: Path, delta: int) -> bool:
        """Move a pending run up (``delta`` < 0) or down; False if it is not pending."""
        with self._lock:
            if run_dir not in self.pending:
                return False
            i = self.pending.index(run_dir)
            j = min(max(i + delta, 0), len(self.pending) - 1)
            self.pending.insert(j, self.pending.pop(i))
        self.on_change()
        return True

    def set_paused(self, paused: bool) -> None:
        """A paused queue starts nothing new; running runs go on."""
        self.paused = paused
        self._wake.set()

    def stop(self, run_dir: Path) -> None:
        """Stop one run: drop it from the queue, or stop its processes (in the background)."""
        with self._lock:
            if run_dir in self.pending:
                self.pending.remove(run_dir)
        threading.Thread(
            target=runner.stop_run, args=(run_dir, self.grace), name="launch-stop", daemon=True
        ).start()

    def close(self) -> None:
        """Stop every running run, mark the pending ones ``stopped`` and end the thread."""
        with self._lock:
            pending, self.pending = self.pending, []
            running = list(self.running)
        for run_dir in pending:
            runner.stop_run(run_dir, self.grace)
        for run_dir in running:
            runner.stop_run(run_dir, self.grace)
        self._closed = True
        self._wake.set()
        self._thread.join(timeout=self.grace + 15)

    def idle(self) -> bool:
        with self._lock:
            return not self.pending and not self.running

    # the thread -------------------------------------------------------------------------------
    def _next(self) -> Path | None:
        with self._lock:
            if self.paused or len(self.running) >= self.parallel or not self.pending:
                return None
            return self.pending.pop(0)

    def _start(self, run_dir: Path) -> None:
        if registry.read_run(run_dir).get("status") != "queued":
            return
        try:
            proc = runner.start(run_dir)
        except InputError:
            return
        with self._lock:
            self.running[run_dir] = proc

    def _reap(self) -> None:
        with self._lock:
            done = [(d, p.poll()) for d, p in self.running.items()]
        for run_dir, code in done:
            if code is not None:
                runner.finish(run_dir, code)
                with self._lock:
                    del self.running[run_dir]
                self.on_change()

    def _loop(self) -> None:
        while True:
            self._reap()
            if self._closed and not self.running:
                return
            run_dir = None if self._closed else self._next()
            if run_dir is not None:
                self._start(run_dir)
                self.on_change()
                continue
            self._wake.wait(POLL_S)
            self._wake.clear()
