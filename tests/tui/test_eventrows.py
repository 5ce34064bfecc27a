"""The Events screen's rows, grouped in polars: the same as event by event in Python."""

from __future__ import annotations

import random
from pathlib import Path

from analyzer.discover import Run
from analyzer.health_common import Finding
from analyzer.store import records_to_frame
from analyzer.tui.eventrows import (
    EventRow,
    event_table,
    finding_row,
    grouped,
    severity_rank,
)
from analyzer.tui.snapshot import RunView, Snapshot

MESSAGES = ["The 'Cast' operator is deprecated.", "Traceback\nline two", "a\rb", "", None]
SEVERITIES = ["info", "warning", "error", "fatal", None]


def _view(tmp_path: Path, name: str, rng: random.Random, n: int) -> RunView:
    events = [
        {
            "kind": "event",
            "run": name,
            "rank": rng.choice([0, 1, 2, 3, None]),
            "source": f"w{rng.randrange(3)}.log",
            "line": rng.randrange(50),
            "step": rng.choice([None, 10, 20]),
            "severity": rng.choice(SEVERITIES),
            "type": rng.choice(["log_warning", "traceback", None]),
            "message": rng.choice(MESSAGES),
            "timestamp": rng.choice([None, "2026-01-15T08:00:01", "2026-01-15T08:00:02"]),
        }
        for _ in range(n)
    ]
    empty = {k: records_to_frame(k, []) for k in ("step", "memory", "timer", "config")}
    frames = (empty["step"], empty["memory"], empty["timer"], records_to_frame("event", events))
    return RunView(
        name, tmp_path, Run(name, tmp_path, []), (), *frames, {}, empty["config"], 0, 0, ()
    )


def _reference(snap: Snapshot, level: int) -> list[EventRow]:
    """Row by row, as the screen did before: sort, prepend the findings, filter, group."""
    rows = []
    for view in snap.runs.values():
        ev = view.events.sort(["timestamp", "source", "line"], descending=True, nulls_last=True)
        for r in ev.iter_rows(named=True):
            time, severity, kind = r["timestamp"] or "", r["severity"] or "info", r["type"] or ""
            head = (time, view.name, r["rank"], r["step"], severity, kind, r["message"] or "")
            rows.append(EventRow(*head, r["source"], r["line"]))
    rows.sort(key=lambda e: e.time, reverse=True)
    every = [finding_row(f) for f in snap.findings] + rows
    return grouped([e for e in every if severity_rank(e) >= level])


def test_grouped_in_polars_equals_row_by_row(tmp_path: Path) -> None:
    rng = random.Random(7)
    findings = (
        Finding("slow_rank", "warning", "a", 3, 50, "rank 3 is slow", "w3.log:12"),
        Finding("hang", "error", "b", None, None, "no line for 300 s", None),
        Finding("slow_rank", "warning", "a", 5, 50, "rank 3 is slow", "w5.log:12"),
    )
    runs = {name: _view(tmp_path, name, rng, 300) for name in ("a", "b")}
    snap = Snapshot(runs=runs, findings=findings)
    for level in (0, 1, 2, 3):
        table = event_table(snap, level)
        want = _reference(snap, level)
        assert table.rows == want
        assert table.shown == sum(e.count for e in want) and table.groups == len(want)
        assert table.every == len(findings) + 600
    assert any(e.count > 1 for e in event_table(snap, 0).rows)  # grouping was exercised
    assert event_table(Snapshot(), 0).rows == []
