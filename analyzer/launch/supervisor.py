"""The queue of prepared runs: started in order, at most ``parallel`` at a time, each recorded.

``run_queue`` runs in the foreground (``analyzer launch``, ``analyzer demo``) or inside a detached
supervisor (``python -m analyzer.launch.supervisor DIR...``, started by ``analyzer launch --detach`` in
its own session so it outlives the terminal). A run whose ``run.json`` says ``stopped`` before its
turn is skipped; SIGINT/SIGTERM to the supervisor stops the running runs and the rest of the queue.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from analyzer.errors import InputError
from analyzer.launch import registry, runner

Event = Callable[[str, Path, dict[str, Any]], None]
POLL_S = 0.2


def _quiet(_kind: str, _run_dir: Path, _record: dict[str, Any]) -> None:
    return None


def _guarded(on_event: Event) -> Event:
    """Progress output that cannot break the queue: once the terminal is gone (SIGHUP, a closed
    pipe) writing to it fails, and the runs must still be stopped and recorded."""

    def call(kind: str, run_dir: Path, record: dict[str, Any]) -> None:
        with contextlib.suppress(OSError, ValueError):
            on_event(kind, run_dir, record)

    return call


def _start_next(pending: list[Path], on_event: Event) -> tuple[Path, subprocess.Popen] | None:
    while pending:
        run_dir = pending.pop(0)
        record = registry.read_run(run_dir)
        if record.get("status") != "queued":
            on_event("skipped", run_dir, record)
            continue
        try:
            proc = runner.start(run_dir)
        except InputError:
            on_event("failed", run_dir, registry.read_run(run_dir))
            continue
        on_event("started", run_dir, registry.read_run(run_dir))
        return run_dir, proc
    return None


def _cancel(pending: list[Path], running: dict[Path, subprocess.Popen], grace: float) -> None:
    for run_dir in pending:
        if registry.read_run(run_dir).get("status") == "queued":
            registry.update_run(run_dir, status="stopped", end=registry.now_iso())
    pending.clear()
    for run_dir in running:
        registry.update_run(run_dir, stop_requested=True)
    threads = [
        threading.Thread(target=runner.stop_group, args=(proc.pid, grace, d), daemon=True)
        for d, proc in running.items()
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def run_queue(
    run_dirs: list[Path],
    *,
    parallel: int = 1,
    grace: float = 30.0,
    on_event: Event | None = None,
    stop: threading.Event | None = None,
) -> dict[Path, dict[str, Any]]:
    """Run every prepared run; returns the final record of each (by run directory)."""
    on_event = _guarded(on_event or _quiet)
    stop = stop or threading.Event()
    pending = list(run_dirs)
    running: dict[Path, subprocess.Popen] = {}
    for run_dir in pending:
        registry.update_run(
            run_dir,
            supervisor_pid=os.getpid(),
            supervisor_start=registry.pid_start_time(os.getpid()),
        )
    while pending or running:
        if stop.is_set():
            _cancel(pending, running, grace)
        while pending and len(running) < max(1, parallel) and not stop.is_set():
            started = _start_next(pending, on_event)
            if started:
                running[started[0]] = started[1]
        for run_dir, proc in list(running.items()):
            code = proc.poll()
            if code is not None:
                del running[run_dir]
                on_event("ended", run_dir, runner.finish(run_dir, code))
        if running:
            stop.wait(POLL_S)
    return {d: registry.read_run(d) for d in run_dirs}


def spawn_detached(run_dirs: list[Path], *, parallel: int, grace: float, log: Path) -> int:
    """Start a supervisor for ``run_dirs`` in a new session; returns its pid."""
    argv = [sys.executable, "-m", "analyzer.launch.supervisor", "--parallel", str(parallel)]
    argv += ["--grace", str(grace), *[str(d.resolve()) for d in run_dirs]]
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=str(Path.cwd()),
        )
    for run_dir in run_dirs:
        registry.update_run(
            run_dir, supervisor_pid=proc.pid, supervisor_start=registry.pid_start_time(proc.pid)
        )
    return proc.pid


def _print_event(kind: str, run_dir: Path, record: dict[str, Any]) -> None:
    code = record.get("exit_code")
    print(
        f"{time.strftime('%H:%M:%S')} {kind} {run_dir.name} status={record.get('status')}"
        + (f" exit_code={code}" if code is not None else ""),
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    """The detached supervisor's entry point."""
    p = argparse.ArgumentParser(prog="python -m analyzer.launch.supervisor")
    p.add_argument("--parallel", type=int, default=1)
    p.add_argument("--grace", type=float, default=30.0)
    p.add_argument("run_dirs", nargs="+", type=Path)
    args = p.parse_args(argv)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    records = run_queue(
        args.run_dirs, parallel=args.parallel, grace=args.grace, on_event=_print_event, stop=stop
    )
    return 1 if any(r.get("status") == "failed" for r in records.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
