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

from analyzer.sanitize import clean_text
from analyzer.tui.comparison import comparison
from analyzer.tui.screens.base import AnalyzerScreen

LOWER_IS_BETTER = ("time", "memory", "_mb", "loss", "nan", "skipped")
FIRST = (
    "run",
    "strategy",
    "status",
    "steps",
    "step_time_ms_median",
    "tflops_median",
    "tokens_per_s_per_device",
    "peak_memory_mb",
    "loss_final",
)


def ordered(table: pl.DataFrame) -> pl.DataFrame:
    """Key columns first (each followed by its delta), all-empty columns dropped."""
    keep = [c for c in table.columns if table.get_column(c).null_count() < table.height]
    head: list[str] = []
    for c in FIRST:
        head += [x for x in (c, f"{c}_delta_pct") if x in keep]
    return table.select(head + [c for c in keep if c not in head])


def _cell(column: str, value: Any) -> Text:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return Text("-", style="dim", justify="right")
    if isinstance(value, float):
        text = Text(
            f"{value:+.1f}%" if column.endswith("_delta_pct") else f"{value:,.2f}", justify="right"
        )
        if column.endswith("_delta_pct") and value:
            worse = (value > 0) == any(k in column for k in LOWER_IS_BETTER)
            text.stylize("red" if worse else "green")
        return text
    if isinstance(value, int):
        return Text(f"{value:,}", justify="right")
    return Text(clean_text(str(value)) or "")


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
        table = ordered(table) if table.height else table
        self.result, self.table, self.notes, self.runs = result, table, notes, runs
        self.computed += 1
        dt = self.query_one(DataTable)
        cursor = dt.cursor_row
        dt.clear(columns=True)
        for col in table.columns:
            dt.add_column(Text(col.replace("_delta_pct", " Δ%")), key=col)
        for row in table.iter_rows(named=True):
            cells = [_cell(c, v) for c, v in row.items()]
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
