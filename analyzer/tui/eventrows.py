"""The Events screen's rows: every event of every run and the health findings, newest first,
the same event from many ranks said once. Headless (no Textual), computed off the UI thread.

Events are grouped in polars: a thousand ranks each printing the same warning twenty times is
20,000 events and about as many Python objects per snapshot if done row by row; here only the
groups (usually a handful) become rows. The table shows at most MAX_ROWS groups, newest first.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import polars as pl

from analyzer.tui.snapshot import Snapshot

SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2, "fatal": 3}
#: The table holds at most this many rows (groups of events), the newest.
MAX_ROWS = 2000
_KEY = ["run", "severity", "type", "step", "first"]
#: str.splitlines()'s line boundaries: the first line of a message is the grouping key.
_FIRST_LINE = r"^([^\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]*)"


@dataclass(frozen=True)
class EventRow:
    time: str
    run: str
    rank: int | None
    step: int | None
    severity: str
    type: str
    message: str
    source: str | None
    line: int | None
    #: The same event (run, severity, type, step, message) from several ranks: all its ranks.
    ranks: tuple[int | None, ...] = ()
    count: int = 1


@dataclass(frozen=True)
class EventTable:
    """What the Events screen shows at one severity level."""

    rows: list[EventRow]
    #: Events and findings of every severity (what ``v`` could show).
    every: int
    #: Events and findings at the level (``rows`` groups them; it may be cut at MAX_ROWS).
    shown: int
    alerts: int
    groups: int


def severity_rank(e: EventRow) -> int:
    return SEVERITY_RANK.get(e.severity, 0)


def _sorted_ranks(ranks: Any) -> tuple[int | None, ...]:
    return tuple(sorted(set(ranks), key=lambda r: (r is None, r or 0)))


def grouped(rows: list[EventRow]) -> list[EventRow]:
    """One row per distinct event: the same message from 8 ranks is one row (newest kept,
    so Enter still opens a real line), with its ranks and count."""
    groups: dict[tuple, list[EventRow]] = {}
    for e in rows:
        first = e.message.splitlines()[0] if e.message else ""
        groups.setdefault((e.run, e.severity, e.type, e.step, first), []).append(e)
    return [
        replace(m[0], ranks=_sorted_ranks(x.rank for x in m), count=len(m)) for m in groups.values()
    ]


def evidence_location(evidence: Any) -> tuple[str | None, int | None]:
    """A finding's evidence ``"path:line"`` (or a dict with source/line) → (source, line)."""
    if isinstance(evidence, dict):
        return evidence.get("source"), evidence.get("line")
    if isinstance(evidence, str) and evidence:
        path, sep, line = evidence.rpartition(":")
        if sep and line.isdigit():
            return path, int(line)
        return evidence, None
    return None, None


def finding_row(f: Any) -> EventRow:
    source, line = evidence_location(getattr(f, "evidence", None))
    return EventRow(
        "",
        str(getattr(f, "run", "")),
        getattr(f, "rank", None),
        getattr(f, "step", None),
        str(getattr(f, "severity", "warning")),
        f"alert:{getattr(f, 'rule', '?')}",
        str(getattr(f, "message", "")),
        source,
        line,
    )


def _events(snap: Snapshot) -> pl.DataFrame:
    """Every run's events, newest first (within a run: timestamp, source, line, descending)."""
    parts = [
        view.events.sort(["timestamp", "source", "line"], descending=True, nulls_last=True).select(
            pl.col("timestamp").fill_null("").alias("time"),
            pl.lit(view.name, dtype=pl.String).alias("run"),
            pl.col("rank").cast(pl.Int64),
            pl.col("step").cast(pl.Int64),
            pl.col("severity").fill_null("info"),
            pl.col("type").fill_null(""),
            pl.col("message").fill_null(""),
            pl.col("source").cast(pl.String),
            pl.col("line").cast(pl.Int64),
        )
        for view in snap.runs.values()
    ]
    if not parts:
        return pl.DataFrame()
    frame = pl.concat(parts, how="vertical_relaxed")
    rank = pl.col("severity").replace_strict(SEVERITY_RANK, default=0, return_dtype=pl.Int64)
    return frame.sort("time", descending=True, maintain_order=True).with_columns(level=rank)


def _groups(events: pl.DataFrame) -> pl.DataFrame:
    first = pl.col("message").str.extract(_FIRST_LINE, 1).fill_null("")
    return (
        events.with_columns(first=first)
        .group_by(_KEY, maintain_order=True)
        .agg(pl.all().first(), pl.col("rank").unique().alias("ranks"), pl.len().alias("count"))
    )


def _rows(groups: pl.DataFrame) -> list[EventRow]:
    names = ["time", "run", "rank", "step", "severity", "type", "message", "source", "line"]
    return [
        EventRow(*(g[n] for n in names), ranks=_sorted_ranks(g["ranks"]), count=g["count"])
        for g in groups.head(MAX_ROWS).iter_rows(named=True)
    ]


def event_table(snap: Snapshot, min_level: int = 0) -> EventTable:
    """The findings, then the events, at ``min_level`` or worse, grouped, newest first."""
    alerts = [finding_row(f) for f in snap.findings]
    shown_alerts = grouped([a for a in alerts if severity_rank(a) >= min_level])
    events = _events(snap)
    at_level = events.filter(pl.col("level") >= min_level) if events.height else events
    groups = _groups(at_level) if at_level.height else at_level
    rows = (shown_alerts + _rows(groups))[:MAX_ROWS] if groups.height else shown_alerts
    shown = sum(a.count for a in shown_alerts) + at_level.height
    return EventTable(
        rows=rows,
        every=len(alerts) + events.height,
        shown=shown,
        alerts=sum(a.count for a in shown_alerts),
        groups=len(shown_alerts) + groups.height,
    )
