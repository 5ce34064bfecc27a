"""Where the TUI's data comes from: the live session, or a one-shot poller until it exists.

Both run off the UI thread and hand immutable :class:`Snapshot` objects to a callback; the app
turns each into a Textual message. With ``analyzer.live.LiveSession`` present the files are
tailed; without it the paths are re-read whenever a file's size or mtime changes (fine for
small runs, and it keeps the TUI usable while the tail is being built). Headless: no Textual.

Each batch's frames are handed over at once from the tail thread; the comparison and health
checks run later on a timer thread, at most every CORE_INTERVAL seconds and at most
CORE_SHARE of a core, and the snapshots in between reuse their last numbers.
"""

from __future__ import annotations

import collections
import contextlib
import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from analyzer.discover import discover
from analyzer.health_config import HealthConfig
from analyzer.health_live import GrowthWatch, session_caught_up
from analyzer.load import load_runs
from analyzer.tui.snapshot import Snapshot, build_snapshot, core_module, run_view

OnSnapshot = Callable[[Snapshot], None]
#: The comparison and health checks run at most this often (seconds) while data streams in.
CORE_INTERVAL = 1.0
#: ... and take at most this share of one core: the interval stretches to their cost / share
#: (health checks of 1,000 ranks take seconds; benchmarks/bench_tui_ranks.py).
CORE_SHARE = 0.25
#: While a run is not over, statuses are re-read this often even when no line arrives: a run
#: ends (run.json says finished) after its last log line, and a hang shows as silence.
HEARTBEAT = 2.0
_OVER = frozenset({"finished", "failed", "stopped", "lost"})


class RateMeter:
    """Records per second over a sliding window."""

    def __init__(self, window: float = 5.0) -> None:
        self.window = window
        self.total = 0
        self._events: collections.deque[tuple[float, int]] = collections.deque()

    def add(self, n: int, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        self.total += n
        self._events.append((now, n))

    def rate(self, now: float | None = None) -> float:
        now = time.monotonic() if now is None else now
        while self._events and now - self._events[0][0] > self.window:
            self._events.popleft()
        if not self._events:
            return 0.0
        span = max(now - self._events[0][0], 1.0)
        return sum(n for _, n in self._events) / span


class DataSource:
    """Start with :meth:`start`; ``on_snapshot`` is called from a background thread."""

    def __init__(
        self,
        paths: Sequence[str],
        on_snapshot: OnSnapshot,
        *,
        poll: float = 1.0,
        health_config: HealthConfig | None = None,
    ):
        self.paths = [str(p) for p in paths]
        self.on_snapshot = on_snapshot
        self.poll = poll
        self.health_config: HealthConfig = health_config or HealthConfig()
        #: Runs that grow while watched count as alive for the hang rule.
        self._growth = GrowthWatch()
        self.meter = RateMeter()
        self.mode = "one-shot"
        self._session: Any = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._batches = 0  # batches seen, and how many the last core checks had seen
        self._core_seen = 0
        self._trailing_pending = False
        self._previous: Snapshot | None = None
        self._last_core = 0.0
        self._interval = CORE_INTERVAL
        self._emit_lock = threading.Lock()
        self._core_lock = threading.Lock()
        self._trailing: threading.Timer | None = None

    def start(self) -> None:
        live = core_module("live")
        if live is not None and hasattr(live, "LiveSession"):
            self.mode = "live"
            self._session = live.LiveSession(self.paths)
            self._emit({})  # show what is watched before the first batch
            self._session.start(self._on_batch)
            self._thread = threading.Thread(target=self._heartbeat, name="tui-beat", daemon=True)
            self._thread.start()
            return
        self.mode = "poll"
        self._thread = threading.Thread(target=self._poll_loop, name="tui-poll", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._trailing is not None:
            self._trailing.cancel()
        if self._session is not None:
            self._session.stop()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # live session --------------------------------------------------------------------------
    def _on_batch(self, batch: Any) -> None:
        """New frames are shown at once; the core's checks follow on another thread."""
        self.meter.add(getattr(batch, "count", None) or len(getattr(batch, "records", ()) or ()))
        self._batches += 1
        self._emit(self._session.runs)

    def _heartbeat(self) -> None:
        """Refresh statuses and health findings while any run is still going."""
        while not self._stop.wait(HEARTBEAT):
            previous = self._previous
            if (
                previous is None
                or not previous.caught_up
                or any(row.status not in _OVER for row in previous.rows)
            ):
                self._emit(self._session.runs, core=self._core_due())

    def _watched(self) -> list[str]:
        if self._session is not None and hasattr(self._session, "watched_paths"):
            return [str(p) for p in self._session.watched_paths()] or self.paths
        return self.paths

    def _cache_state(self) -> str:
        if self._session is None:
            return "off"
        return "on" if getattr(self._session, "use_cache", True) else "off"

    def _views(self, runs: dict[str, Any]) -> dict[str, Any]:
        """Views of every run, taken under the session's lock (the tail appends under it)."""
        lock = getattr(self._session, "lock", None) or contextlib.nullcontext()
        with lock:
            return {name: run_view(data) for name, data in list(runs.items())}

    def _caught_up(self) -> bool:
        """The files there at start are read (the poller reads everything each time)."""
        return session_caught_up(self._session)

    def _build(
        self,
        views: dict[str, Any],
        *,
        with_core: bool,
        caught_up: bool = True,
        config: HealthConfig | None = None,
    ) -> Snapshot:
        return build_snapshot(
            views,
            watched=self._watched(),
            records=self.meter.total,
            records_per_s=self.meter.rate(),
            cache=self._cache_state(),
            mode=self.mode,
            with_core=with_core,
            reuse=None if with_core else self._previous,
            health_config=config,
            caught_up=caught_up,
        )

    def _core_due(self) -> bool:
        return self._previous is None or time.monotonic() - self._last_core >= self._interval

    def _run_core(self, runs: dict[str, Any], *, force: bool) -> None:
        """The comparison and health checks on the frames of now (one run at a time); their
        cost sets the next interval, so they never take more than CORE_SHARE of a core."""
        with self._core_lock:
            if not (force or self._core_due()):
                return
            start, self._core_seen = time.monotonic(), self._batches
            caught_up = self._caught_up()  # before the views: they then hold all of it
            views = self._views(runs)
            sizes = {name: view.lines for name, view in views.items()}
            config = self._growth.config(self.health_config, sizes, caught_up=caught_up)
            snap = self._build(views, with_core=True, caught_up=caught_up, config=config)
            cost = time.monotonic() - start
            self._previous, self._last_core = snap, start
            self._interval = max(CORE_INTERVAL, cost / CORE_SHARE)

    def _emit(self, runs: dict[str, Any], *, core: bool = False, force: bool = False) -> None:
        """Hand over a snapshot of the frames of now, with the latest core numbers; ``core``
        first runs the checks on this thread (if due, or ``force``), else they catch up later."""
        if core or force:
            self._run_core(runs, force=force)
        with self._emit_lock:
            self.on_snapshot(self._build(self._views(runs), with_core=False))
        if runs and self._core_seen < self._batches:
            self._schedule_trailing(runs)

    def _schedule_trailing(self, runs: dict[str, Any]) -> None:
        """Make sure the core's numbers catch up with the last batch, when they are due."""
        with self._emit_lock:
            if self._trailing_pending or self._stop.is_set():
                return
            self._trailing_pending = True
        delay = max(0.05, self._last_core + self._interval - time.monotonic())
        self._trailing = threading.Timer(delay, self._trail, (runs,))
        self._trailing.daemon = True
        self._trailing.start()

    def _trail(self, runs: dict[str, Any]) -> None:
        self._trailing_pending = False
        if not self._stop.is_set():
            self._emit(runs, core=True)

    # one-shot fallback ----------------------------------------------------------------------
    def _signature(self, runs: list[Any]) -> tuple[Any, ...]:
        sig: list[Any] = []
        for run in runs:
            for f in run.files:
                try:
                    st = os.stat(f.path)
                    sig.append((str(f.path), st.st_size, st.st_mtime_ns))
                except OSError:
                    sig.append((str(f.path), -1, 0))
        return tuple(sig)

    def _poll_loop(self) -> None:
        last: tuple[Any, ...] | None = None
        while not self._stop.is_set():
            try:
                runs = [r for r in discover(self.paths) if r.files]
            except Exception:
                runs = []
            sig = self._signature(runs)
            if sig != last:
                datas = load_runs(runs) if runs else []
                total = sum(sum(d.stats.records.values()) for d in datas)
                self.meter.add(max(0, total - self.meter.total))
                self._emit({d.name: d for d in datas}, force=True)
                last = sig
            self._stop.wait(self.poll)


def path_problems(paths: Sequence[str]) -> list[str]:
    """Paths that do not exist (the CLI refuses them before the app starts)."""
    return [p for p in paths if not Path(p).exists()]
