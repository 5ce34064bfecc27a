"""Runs: one row per run; sort, regex filter, mark runs for comparison."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Input, Static

from analyzer.formats import fmt_value
from analyzer.sanitize import clean_text
from analyzer.tui.colors import ACTIVE_STATUSES, STATUS_STYLE
from analyzer.tui.screens.base import AnalyzerScreen
from analyzer.tui.snapshot import RunRow


def _num(v: float | None, decimals: int) -> str:
    """As ``analyzer compare`` prints it (small values keep 3 significant digits)."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    return fmt_value(float(v), decimals) or "-"


def _step(row: RunRow) -> str:
    if row.step is None:
        return "-"
    return f"{row.step}/{row.total}" if row.total else str(row.step)


#: (key, header, cell text, sort key)
COLUMNS: list[tuple[str, str, Callable[[RunRow], str], Callable[[RunRow], Any]]] = [
    ("run", "run", lambda r: r.run, lambda r: r.run),
    ("strategy", "strategy", lambda r: r.strategy, lambda r: r.strategy),
    ("status", "status", lambda r: r.status, lambda r: r.status),
    ("step", "step", _step, lambda r: r.step or -1),
    ("loss", "loss", lambda r: _num(r.loss, 4), lambda r: r.loss),
    ("step_time", "p50 ms", lambda r: _num(r.step_time_ms, 0), lambda r: r.step_time_ms),
    ("tflops", "TFLOP/s", lambda r: _num(r.tflops, 1), lambda r: r.tflops),
    ("tokens", "tok/s/dev", lambda r: _num(r.tokens_per_s, 0), lambda r: r.tokens_per_s),
    ("memory", "peak MB", lambda r: _num(r.peak_memory_mb, 0), lambda r: r.peak_memory_mb),
    ("alerts", "alerts", lambda r: str(r.alerts), lambda r: r.alerts),
]


def _sort_key(fn: Callable[[RunRow], Any]) -> Callable[[RunRow], tuple[int, Any]]:
    def key(row: RunRow) -> tuple[int, Any]:
        v = fn(row)
        missing = v is None or (isinstance(v, float) and math.isnan(v))
        return (1, 0) if missing else (0, v)

    return key


class RunsScreen(AnalyzerScreen):
    MODE = "runs"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "mark", "Mark"),
        Binding("slash", "filter", "Filter"),
        Binding("s", "sort", "Sort"),
        Binding("S", "reverse", "Reverse", show=False),
        Binding("enter", "charts", "Charts"),
        Binding("r", "ranks", "Ranks"),
        Binding("a", "mark_all", "Mark all", show=False),
        Binding("c", "clear_marks", "Clear marks", show=False),
        Binding("escape", "clear_filter", "Clear filter", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sort_column = 0
        self.sort_reverse = False
        self.filter_text = ""
        self.shown_runs: list[str] = []

    def compose_body(self) -> ComposeResult:
        yield Static(id="waiting")
        table: DataTable = DataTable(id="runs-table", cursor_type="row", zebra_stripes=True)
        yield table
        yield Input(placeholder="regex over run name and strategy; Enter applies", id="filter")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, header, _, _ in COLUMNS:
            table.add_column(header, key=key)
        self.query_one("#filter", Input).display = False

    def rows(self) -> list[RunRow]:
        rows = list(self.tui.snapshot.rows)
        if self.filter_text:
            pattern = re.compile(self.filter_text, re.I)
            rows = [r for r in rows if pattern.search(r.run) or pattern.search(r.strategy)]
        key = _sort_key(COLUMNS[self.sort_column][3])
        return sorted(rows, key=key, reverse=self.sort_reverse)

    def _cells(self, row: RunRow) -> list[Text]:
        app = self.tui
        cells = [Text(clean_text(fn(row)) or "") for _, _, fn, _ in COLUMNS]
        mark = "▶" if row.run in app.marked else " "
        cells[0] = Text(mark, style="bold") + Text(
            clean_text(row.run) or "", app.colours.rich(row.run)
        )
        status = Text(row.status, style=STATUS_STYLE.get(row.status, ""))
        if row.live and row.status in ACTIVE_STATUSES:
            status = Text("● ", style="bold green") + status
        cells[2] = status
        if row.alerts:
            cells[-1].stylize("bold red")
        for i in range(3, len(cells)):
            cells[i].justify = "right"
        return cells

    def refresh_data(self) -> None:
        snap = self.tui.snapshot
        waiting = self.query_one("#waiting", Static)
        waiting.display = snap.waiting
        if snap.waiting:
            watched = "\n".join(f"  {clean_text(p)}" for p in snap.watched)
            waiting.update(Text(f"No training logs yet. Watching:\n{watched}", style="yellow"))
        table = self.query_one(DataTable)
        cursor_run = self.current_run()
        table.clear()
        rows = self.rows()
        self.shown_runs = [r.run for r in rows]
        for row in rows:
            table.add_row(*self._cells(row), key=row.run)
        if cursor_run in self.shown_runs:
            table.move_cursor(row=self.shown_runs.index(cursor_run), animate=False)
        for i, (_, header, _, _) in enumerate(COLUMNS):
            arrow = (" ▼" if self.sort_reverse else " ▲") if i == self.sort_column else ""
            table.columns[COLUMNS[i][0]].label = Text(header + arrow)  # type: ignore[index]

    def current_run(self) -> str | None:
        table = self.query_one(DataTable)
        if not self.shown_runs or table.cursor_row < 0 or table.cursor_row >= len(self.shown_runs):
            return None
        return self.shown_runs[table.cursor_row]

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        run = self.current_run()
        if run is not None:
            self.tui.focus_run = run

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        self.sort_column = event.column_index
        self.refresh_data()

    def action_mark(self) -> None:
        run = self.current_run()
        if run is not None:
            self.tui.toggle_mark(run)
            self.data_changed()

    def action_mark_all(self) -> None:
        self.tui.marked = set(self.shown_runs)
        self.data_changed()

    def action_clear_marks(self) -> None:
        self.tui.marked.clear()
        self.data_changed()

    def action_sort(self) -> None:
        self.sort_column = (self.sort_column + 1) % len(COLUMNS)
        self.refresh_data()

    def action_reverse(self) -> None:
        self.sort_reverse = not self.sort_reverse
        self.refresh_data()

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.value = self.filter_text
        box.focus()

    def action_clear_filter(self) -> None:
        self.filter_text = ""
        box = self.query_one("#filter", Input)
        box.display = False
        self.query_one(DataTable).focus()
        self.refresh_data()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        try:
            re.compile(event.value)
        except re.error as exc:
            self.notify(f"bad regex: {exc}", severity="error")
            return
        self.filter_text = event.value
        event.input.display = bool(event.value)
        self.query_one(DataTable).focus()
        self.refresh_data()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_charts()

    def action_charts(self) -> None:
        self.app.switch_mode("charts")

    def action_ranks(self) -> None:
        self.app.switch_mode("ranks")
