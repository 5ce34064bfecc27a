"""Where the TUI's data comes from: the live session, or a one-shot poller until it exists.

Both run off the UI thread and hand immutable :class:`Snapshot` objects to a callback; the app
turns each into a Textual message. With ``analyzer.live.LiveSession`` present the files are
tailed; without it the paths are re-read whenever a file's size or mtime changes (fine for
small runs, and it keeps the TUI usable while the tail is being built). Headless: no Textual.
"""

from __future__ import annotations

import collections
import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from analyzer.discover import discover
from analyzer.load import load_runs
from analyzer.tui.snapshot import Snapshot, build_snapshot, core_module

OnSnapshot = Callable[[Snapshot], None]


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

    def __init__(self, paths: Sequence[str], on_snapshot: OnSnapshot, *, poll: float = 1.0):
        self.paths = [str(p) for p in paths]
        self.on_snapshot = on_snapshot
        self.poll = poll
        self.meter = RateMeter()
        self.mode = "one-shot"
        self._session: Any = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._painted = False

    def start(self) -> None:
        live = core_module("live")
        if live is not None and hasattr(live, "LiveSession"):
            self.mode = "live"
            self._session = live.LiveSession(self.paths)
            self._emit([])  # show what is watched before the first batch
            self._session.start(self._on_batch)
            return
        self.mode = "poll"
        self._thread = threading.Thread(target=self._poll_loop, name="tui-poll", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._session is not None:
            self._session.stop()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # live session --------------------------------------------------------------------------
    def _on_batch(self, batch: Any) -> None:
        self.meter.add(len(getattr(batch, "records", ()) or ()))
        self._emit(list(self._session.runs.values()))

    def _watched(self) -> list[str]:
        if self._session is not None and hasattr(self._session, "watched_paths"):
            return [str(p) for p in self._session.watched_paths()] or self.paths
        return self.paths

    def _cache_state(self) -> str:
        if self._session is None:
            return "off"
        return "on" if getattr(self._session, "use_cache", True) else "off"

    def _emit(self, datas: list[Any]) -> None:
        quick_first = bool(datas) and not self._painted
        self._painted |= bool(datas)
        for with_core in (False, True) if quick_first else (True,):
            snap = build_snapshot(
                datas,
                watched=self._watched(),
                records=self.meter.total,
                records_per_s=self.meter.rate(),
                cache=self._cache_state(),
                mode=self.mode,
                with_core=with_core,
            )
            self.on_snapshot(snap)

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
                self._emit(datas)
                last = sig
            self._stop.wait(self.poll)


def path_problems(paths: Sequence[str]) -> list[str]:
    """Paths that do not exist (the CLI refuses them before the app starts)."""
    return [p for p in paths if not Path(p).exists()]
