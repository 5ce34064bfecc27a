"""Health findings while runs are being written: new findings only, as ``alert`` records.

:class:`AlertTracker` re-checks a live store at most every ``interval`` seconds (``hang`` needs
time to pass, not new lines) and reports each finding once, keyed by ``Finding.key``.
:class:`AlertFeed` glues it to ``analyzer watch --alerts``: alert records go through the same
printer as parsed records, one writer at a time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from analyzer.health import check
from analyzer.health_common import Finding
from analyzer.health_config import HealthConfig
from analyzer.store import RunData

ALERT_KIND = "alert"


def alert_record(f: Finding) -> dict[str, Any]:
    """A finding as a record of kind ``alert`` (``source``/``line`` from its evidence)."""
    source, line = f.evidence, None
    if f.evidence:
        path, sep, num = f.evidence.rpartition(":")
        if sep and num.isdigit():
            source, line = path, int(num)
    return {
        "kind": ALERT_KIND,
        "run": f.run,
        "rank": f.rank,
        "source": source,
        "line": line,
        "rule": f.rule,
        "severity": f.severity,
        "step": f.step,
        "message": f.message,
        "evidence": f.evidence,
    }


class GrowthWatch:
    """Which runs grew during a live session: their jobs are alive (``HealthConfig.growing``).

    A run's size (lines read) is first noted once the files there at start are read; a run
    counts as growing from the first time it is seen bigger than that. Reading an old log's
    backlog is not growth, so a finished copy of logs never looks alive.
    """

    def __init__(self) -> None:
        self._first: dict[str, int] = {}
        self._grown: set[str] = set()

    def observe(self, sizes: dict[str, int], *, caught_up: bool = True) -> frozenset[str]:
        """Note each run's size now; the runs seen growing so far."""
        if caught_up:
            for run, size in sizes.items():
                first = self._first.setdefault(run, size)
                if size > first:
                    self._grown.add(run)
        return frozenset(self._grown)

    def config(self, base: HealthConfig, sizes: dict[str, int], *, caught_up: bool) -> HealthConfig:
        """``base`` with the runs seen growing so far (``base`` itself is not changed)."""
        return replace(base, growing=self.observe(sizes, caught_up=caught_up))


class AlertTracker:
    """Findings of a growing store, each reported once."""

    def __init__(self, config: HealthConfig | None = None, *, interval: float = 1.0) -> None:
        self.config = config or HealthConfig()
        self.interval = interval
        self.growth = GrowthWatch()
        self._seen: set[tuple] = set()
        self._last = float("-inf")
        self._cost = 0.0

    def due(self) -> bool:
        """Time for a re-check: ``interval`` passed, and at least 5× the last check's cost
        (a huge run is re-checked less often rather than hogging a core)."""
        return time.monotonic() - self._last >= max(self.interval, 5 * self._cost)

    def new_findings(
        self, datas: list[RunData], now: float | None = None, *, caught_up: bool = True
    ) -> list[Finding]:
        """Check now; return the findings not reported before. ``caught_up``: the files there
        at start are read (runs that grow after that are alive, see :class:`GrowthWatch`)."""
        self._last = time.monotonic()
        sizes = {d.name: d.stats.lines for d in datas}
        config = self.growth.config(self.config, sizes, caught_up=caught_up)
        findings = check(datas, config=config, now=now)
        self._cost = time.monotonic() - self._last
        fresh = []
        for f in findings:
            if f.key not in self._seen:
                self._seen.add(f.key)
                fresh.append(f)
        return fresh


def session_caught_up(session: Any) -> bool:
    """The files already there when a live session started are read (no alert from half a
    backlog, e.g. a consequence before its root cause); True for a session-less source."""
    if session is None:
        return True
    ready = getattr(session, "ready", None)
    backlog = getattr(session, "backlog", None)
    return (ready is None or ready.is_set()) and (backlog is None or backlog() == 0)


class AlertFeed:
    """``watch --alerts``: wraps the record printer and adds alert records to its stream."""

    def __init__(self, session: Any, printer: Callable[[Any], None], tracker=None) -> None:
        self.session, self.printer = session, printer
        self.tracker = tracker or AlertTracker()
        self._emit = threading.Lock()

    def on_batch(self, batch: Any) -> None:
        """The session's callback: print parsed records (serialised with alerts)."""
        with self._emit:
            self.printer(batch)

    def tick(self, *, force: bool = False) -> None:
        """From the main loop: check when due, print new findings as alert records."""
        caught_up = session_caught_up(self.session)
        if not (force or (self.tracker.due() and caught_up)):
            return
        with self.session.lock:
            datas = list(self.session.runs.values())
            fresh = self.tracker.new_findings(datas, caught_up=caught_up)
        if fresh:
            from analyzer.live import LiveBatch

            batch = LiveBatch([alert_record(f) for f in fresh], {f.run for f in fresh}, [], 0, 0)
            with self._emit:
                self.printer(batch)
