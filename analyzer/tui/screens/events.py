"""Events: errors, tracebacks, timeouts, worker exits and health alerts, newest first."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from analyzer.sanitize import clean_text
from analyzer.tui.screens.base import AnalyzerScreen
from analyzer.tui.snapshot import Snapshot

SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2, "fatal": 3}
SEVERITY_STYLE = {"info": "dim", "warning": "yellow", "error": "red", "fatal": "bold red"}
#: What ``v`` cycles through, the default first: warnings and worse are what people look for;
#: info lifecycle events (node_registered, checkpoint_saved...) would bury them.
LEVELS = (("warning+", 1), ("error+", 2), ("all", 0))
LEVEL_WORDS = {0: "all severities", 1: "warnings and errors", 2: "errors only"}


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


def grouped(rows: list[EventRow]) -> list[EventRow]:
    """One row per distinct event: the same message from 8 ranks is one row (newest kept,
    so Enter still opens a real line), with its ranks and count."""
    groups: dict[tuple, list[EventRow]] = {}
    for e in rows:
        first = e.message.splitlines()[0] if e.message else ""
        groups.setdefault((e.run, e.severity, e.type, e.step, first), []).append(e)
    out = []
    for members in groups.values():
        ranks = tuple(sorted({m.rank for m in members}, key=lambda r: (r is None, r or 0)))
        out.append(replace(members[0], ranks=ranks, count=len(members)))
    return out


def ranks_text(ranks: tuple[int | None, ...]) -> str:
    """``3``, ``0-7``, ``0,2,5``, or ``12 ranks``."""
    known = [r for r in ranks if r is not None]
    if not known:
        return "-"
    if len(known) == 1:
        return str(known[0])
    if known == list(range(known[0], known[-1] + 1)):
        return f"{known[0]}-{known[-1]}"
    text = ",".join(str(r) for r in known)
    return text if len(text) <= 8 else f"{len(known)} ranks"


def short_time(stamp: str) -> str:
    """``2025-04-02T14:52:24.123`` → ``04-02 14:52:24`` (the year and fractions take room)."""
    if len(stamp) >= 19 and stamp[4] == "-" and stamp[10] in "T ":
        return f"{stamp[5:10]} {stamp[11:19]}"
    return stamp


def event_rows(snap: Snapshot, min_level: int = 0) -> list[EventRow]:
    """Every event of every run plus the health findings, newest first."""
    rows: list[EventRow] = []
    for view in snap.runs.values():
        ev = view.events.sort(["timestamp", "source", "line"], descending=True, nulls_last=True)
        for r in ev.iter_rows(named=True):
            rows.append(
                EventRow(
                    r["timestamp"] or "",
                    view.name,
                    r["rank"],
                    r["step"],
                    r["severity"] or "info",
                    r["type"] or "",
                    r["message"] or "",
                    r["source"],
                    r["line"],
                )
            )
    rows.sort(key=lambda e: e.time, reverse=True)  # stable: files keep newest-first order
    alerts = [_finding_row(f) for f in snap.findings]
    rows = alerts + rows
    return [e for e in rows if severity_rank(e) >= min_level]


def severity_rank(e: EventRow) -> int:
    return SEVERITY_RANK.get(e.severity, 0)


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


def _finding_row(f: Any) -> EventRow:
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


class EventsScreen(AnalyzerScreen):
    MODE = "events"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Raw lines"),
        Binding("v", "level", "Severity"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.level = 0
        self.rows: list[EventRow] = []

    def compose_body(self) -> ComposeResult:
        yield Static(id="events-head")
        table: DataTable = DataTable(id="events-table", cursor_type="row")
        yield table
        yield Static(id="events-detail")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for col in ("time", "run", "rank", "n", "step", "sev", "type", "message"):
            table.add_column(col, key=col)

    def refresh_data(self) -> None:
        app = self.tui
        every = event_rows(app.snapshot)
        level = LEVELS[self.level][1]
        self.rows = grouped([e for e in every if severity_rank(e) >= level])
        table = self.query_one(DataTable)
        cursor = table.cursor_row
        table.clear()
        for i, e in enumerate(self.rows):
            table.add_row(
                Text(clean_text(short_time(e.time)) or "", style="dim"),
                Text(clean_text(e.run) or "", style=app.colours.rich(e.run)),
                Text(ranks_text(e.ranks or (e.rank,)), justify="right"),
                Text(f"×{e.count}" if e.count > 1 else "", justify="right", style="dim"),
                Text("-" if e.step is None else str(e.step), justify="right"),
                Text(e.severity, style=SEVERITY_STYLE.get(e.severity, "")),
                Text(clean_text(e.type) or ""),
                Text(clean_text(e.message.splitlines()[0] if e.message else "") or ""),
                key=str(i),
            )
        if 0 <= cursor < len(self.rows):
            table.move_cursor(row=cursor, animate=False)
        self._detail(table.cursor_row)
        self.query_one("#events-head", Static).update(self._head(every))

    def _head(self, every: list[EventRow]) -> Text:
        """What is shown, how many are hidden by the severity filter, the keys."""
        alerts = sum(e.count for e in self.rows if e.type.startswith("alert:"))
        shown = sum(e.count for e in self.rows)
        head = Text(no_wrap=True, overflow="ellipsis")
        head.append(f"{shown - alerts} events, {alerts} alerts", style="bold")
        if len(self.rows) < shown:
            head.append(f" in {len(self.rows)} rows")
        head.append(f" · {LEVEL_WORDS[LEVELS[self.level][1]]}")
        hidden = len(every) - shown
        if hidden:
            head.append(f" · {hidden} less severe hidden", style="yellow")
        head.append(f"  v: {LEVELS[(self.level + 1) % len(LEVELS)][0]}", style="dim")
        head.append("  enter: raw lines", style="dim")
        return head

    def action_level(self) -> None:
        self.level = (self.level + 1) % len(LEVELS)
        self.refresh_data()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._detail(event.cursor_row)

    def _detail(self, row: int) -> None:
        """The highlighted event's whole message and where it is (the table cuts it off)."""
        detail = Text()
        if 0 <= row < len(self.rows):
            e = self.rows[row]
            where = f"{e.source}:{e.line}" if e.source and e.line else e.source or ""
            detail.append(f"{clean_text(e.type)} ", style=SEVERITY_STYLE.get(e.severity, ""))
            detail.append(clean_text(e.message.splitlines()[0] if e.message else "") or "")
            if where:
                detail.append(f"  ({clean_text(where)})", style="dim")
        self.query_one("#events-detail", Static).update(detail)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_open(self) -> None:
        from analyzer.tui.screens.dialogs import LogViewer

        row = self.query_one(DataTable).cursor_row
        if not (0 <= row < len(self.rows)):
            return
        e = self.rows[row]
        if not e.source or not e.line:
            self.notify("this record has no source line", severity="warning")
            return
        self.app.push_screen(LogViewer(e.source, e.line))
