"""Compare: the comparison table of `analyzer compare`, a baseline with deltas, export."""

from __future__ import annotations

import math
from typing import Any, ClassVar

import polars as pl
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from analyzer.formats import display_columns, fmt_value
from analyzer.sanitize import clean_text
from analyzer.tui.comparison import comparison
from analyzer.tui.screens.base import AnalyzerScreen

LOWER_IS_BETTER = ("time", "memory", "_mb", "loss", "nan", "skipped", "bubble")
DELTA = "_delta_pct"


def columns(table: pl.DataFrame) -> list[tuple[str, str, int | None]]:
    """(column, header, decimals) as ``analyzer compare`` shows them, deltas headed ``Δ%``."""
    cols = display_columns(table)
    return [(c, "Δ%" if c.endswith(DELTA) else h, d) for c, h, d in cols]


def _cell(column: str, value: Any, decimals: int | None) -> Text:
    text = fmt_value(value, decimals)
    if text is None or (isinstance(value, float) and math.isnan(value)):
        return Text("-", style="dim", justify="right")
    if decimals is None:
        return Text(clean_text(text) or "")
    cell = Text(text + ("%" if decimals == -1 else ""), justify="right")
    if column.endswith(DELTA) and isinstance(value, float) and value:
        worse = (value > 0) == any(k in column for k in LOWER_IS_BETTER)
        cell.stylize("red" if worse else "green")
    return cell


class CompareScreen(AnalyzerScreen):
    MODE = "compare"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("b", "baseline", "Baseline"),
        Binding("B", "clear_baseline", "No baseline", show=False),
        Binding("e", "export", "Export"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.baseline: str | None = None
        self.result: Any = None
        self.table: pl.DataFrame | None = None
        self.notes: list[str] = []
        self.runs: list[str] = []
        self.computed = 0

    def compose_body(self) -> ComposeResult:
        yield Static(id="compare-head")
        yield DataTable(id="compare-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="compare-notes")

    def refresh_data(self) -> None:
        self.compute(self.tui.snapshot, self.tui.chosen_runs(), self.baseline)

    @work(thread=True, exclusive=True, group="compare")
    def compute(self, snap: Any, runs: list[str], baseline: str | None) -> None:
        try:
            result, table, notes = comparison(snap, runs, baseline)
        except Exception as exc:  # the core refused these runs: say why, keep the screen
            self.app.call_from_thread(self.notify, f"compare: {exc}", severity="error")
            return
        self.app.call_from_thread(self.show, result, table, notes, runs)

    def show(self, result: Any, table: pl.DataFrame, notes: list[str], runs: list[str]) -> None:
        self.result, self.table, self.notes, self.runs = result, table, notes, runs
        self.computed += 1
        dt = self.query_one(DataTable)
        cursor = dt.cursor_row
        dt.clear(columns=True)
        cols = columns(table) if table.height else [("run", "run", None)]
        for col, header, decimals in cols:
            dt.add_column(Text(header, justify="left" if decimals is None else "right"), key=col)
        for row in table.iter_rows(named=True):
            cells = [_cell(c, row.get(c), d) for c, _h, d in cols]
            name = str(row.get("run"))
            cells[0] = Text(clean_text(name) or "", style=self.tui.colours.rich(name))
            if name == self.baseline:
                cells[0].append(" (base)", style="bold")
            dt.add_row(*cells, key=name)
        if 0 <= cursor < table.height:
            dt.move_cursor(row=cursor, animate=False)
        head = Text(f"{table.height} runs", style="bold")
        head.append(f"  baseline: {clean_text(self.baseline) or 'none (b on a row sets it)'}")
        self.query_one("#compare-head", Static).update(head)
        self.query_one("#compare-notes", Static).update(
            Text("\n".join(clean_text(n) or "" for n in notes), style="dim")
        )

    def _cursor_run(self) -> str | None:
        dt = self.query_one(DataTable)
        if self.table is None or not (0 <= dt.cursor_row < self.table.height):
            return None
        return str(self.table.get_column("run")[dt.cursor_row])

    def action_baseline(self) -> None:
        self.baseline = self._cursor_run()
        self.refresh_data()

    def action_clear_baseline(self) -> None:
        self.baseline = None
        self.refresh_data()

    def action_export(self) -> None:
        from analyzer.tui.screens.dialogs import ExportDialog

        self.app.push_screen(ExportDialog(baseline=self.baseline))
