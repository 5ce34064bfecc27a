"""Events: errors, tracebacks, timeouts, worker exits and health alerts, newest first."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from analyzer.sanitize import clean_text
from analyzer.tui.eventrows import (
    MAX_ROWS,
    EventRow,
    EventTable,
    event_table,
    evidence_location,
    grouped,
)
from analyzer.tui.offthread import Coalesced
from analyzer.tui.screens.base import AnalyzerScreen
from analyzer.tui.snapshot import Snapshot

__all__ = ["EventRow", "EventsScreen", "evidence_location", "grouped", "ranks_text", "short_time"]

SEVERITY_STYLE = {"info": "dim", "warning": "yellow", "error": "red", "fatal": "bold red"}
#: What ``v`` cycles through, the default first: warnings and worse are what people look for;
#: info lifecycle events (node_registered, checkpoint_saved...) would bury them.
LEVELS = (("warning+", 1), ("error+", 2), ("all", 0))
LEVEL_WORDS = {0: "all severities", 1: "warnings and errors", 2: "errors only"}


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
        self.job: Coalesced[tuple[Snapshot, int], EventTable] = Coalesced(
            self, "event-rows", self._capture, _compute, self._show
        )

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
        self.job.request()

    def _capture(self) -> tuple[Snapshot, int]:
        return self.tui.snapshot, LEVELS[self.level][1]

    def _show(self, events: EventTable) -> None:
        app = self.tui
        self.rows = events.rows
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
        self.query_one("#events-head", Static).update(self._head(events))

    def _head(self, events: EventTable) -> Text:
        """What is shown, how many are hidden by the severity filter, the keys."""
        head = Text(no_wrap=True, overflow="ellipsis")
        head.append(f"{events.shown - events.alerts} events, {events.alerts} alerts", style="bold")
        if events.groups < events.shown:
            head.append(f" in {events.groups} rows")
        if events.groups > MAX_ROWS:
            head.append(f" (the newest {MAX_ROWS} shown)", style="yellow")
        head.append(f" · {LEVEL_WORDS[LEVELS[self.level][1]]}")
        hidden = events.every - events.shown
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


def _compute(inputs: tuple[Snapshot, int]) -> EventTable:
    """The grouped rows at a severity level (a worker thread: polars, no widgets)."""
    snap, level = inputs
    return event_table(snap, level)
