"""One call from a spec to recorded runs, shared by `analyzer launch`, `analyzer demo` and the TUI."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from analyzer.errors import InputError
from analyzer.launch import runner, supervisor
from analyzer.launch.command import plan
from analyzer.launch.spec import Spec, Variant
from analyzer.launch.sweep import Skipped, expand, select


def check_variants(spec: Spec, variants: list[Variant], runs_dir: Path, *, dry_run: bool) -> None:
    """Resolve every variant (placeholders, launcher) without creating anything: a problem is an
    InputError naming the spec file and the variant, raised before any run directory exists."""
    for variant in variants:
        stand_in = runs_dir.resolve() / f"{variant.name}-YYYYmmdd-HHMMSS"
        try:
            plan(spec, variant, stand_in, dry_run=dry_run)
        except InputError as exc:
            where = f"{spec.path}: " if spec.path else ""
            raise InputError(f"{where}variant {variant.name!r}: {exc}") from None


def prepare_sweep(
    spec: Spec, runs_dir: Path, names: list[str] | None = None, *, dry_run: bool = False
) -> tuple[list[Path], list[Skipped]]:
    """Create a queued run directory for every selected variant; returns them and the skipped.
    Every variant is resolved first, so a bad one leaves nothing behind."""
    variants, skipped = expand(spec)
    chosen = select(variants, names)
    check_variants(spec, chosen, runs_dir, dry_run=dry_run)
    return [runner.prepare(runs_dir, spec, v, dry_run=dry_run) for v in chosen], skipped


@contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGINT/SIGTERM/SIGHUP set ``stop`` (the queue then stops its runs and records them
    ``stopped``) instead of killing us. SIGHUP is the terminal closing: a foreground sweep
    ends with it, cleanly; ``--detach`` is the way to keep a sweep running without a terminal."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    for sig in old:
        signal.signal(sig, lambda *_: stop.set())
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


def run_foreground(
    run_dirs: list[Path],
    *,
    parallel: int = 1,
    grace: float = 30.0,
    on_event: supervisor.Event | None = None,
    stop: threading.Event | None = None,
) -> tuple[dict[Path, dict[str, Any]], bool]:
    """Run the queue here; returns the final records and whether it was interrupted."""
    stop = stop or threading.Event()
    with stop_on_signals(stop):
        records = supervisor.run_queue(
            run_dirs, parallel=parallel, grace=grace, on_event=on_event, stop=stop
        )
    return records, stop.is_set()


def detach(run_dirs: list[Path], runs_dir: Path, *, parallel: int, grace: float) -> int:
    """Hand the queue to a supervisor in its own session; returns its pid."""
    log = runs_dir / f".supervisor-{time.strftime('%Y%m%d-%H%M%S')}.log"
    return supervisor.spawn_detached(run_dirs, parallel=parallel, grace=grace, log=log)
