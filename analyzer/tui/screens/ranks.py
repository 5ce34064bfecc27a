"""Ranks: one run's rank × step heatmap; slow and silent ranks highlighted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from analyzer.sanitize import clean_text
from analyzer.tui.colors import ACTIVE_STATUSES
from analyzer.tui.offthread import Coalesced
from analyzer.tui.rankgrid import HeatLayout, RankGrid, heat_layout, rank_grid
from analyzer.tui.screens.base import AnalyzerScreen
from analyzer.tui.snapshot import RunView
from analyzer.tui.widgets.heatmap import RankHeatmap


def key_text(live: bool) -> Text:
    """The colour key, and what the ``last`` column is measured from."""
    text = Text(no_wrap=True, overflow="ellipsis")
    for style, label in (("green", "≤5% over the median"), ("yellow", "≤15%"), ("red", ">15%")):
        text.append("█ ", style=style)
        text.append(f"{label}  ", style="dim")
    text.append("· no value   ", style="dim")
    since = "before now" if live else "before the run's end"
    text.append(f"last: each rank's last line, {since}", style="dim")
    return text


@dataclass(frozen=True)
class GridJob:
    """What the heatmap is computed from, captured on the UI thread."""

    view: RunView
    skipped: str | None
    metric_index: int
    now: float | None
    columns: int


def compute_grid(job: GridJob | None) -> tuple[GridJob, RankGrid, HeatLayout] | None:
    """The grid and its cells at the widget's width (a worker thread: polars, no widgets)."""
    if job is None:
        return None
    grid = rank_grid(job.view, job.metric_index, now=job.now)
    return job, grid, heat_layout(grid, job.columns)


class RanksScreen(AnalyzerScreen):
    MODE = "ranks"
    AUTO_FOCUS = "RankHeatmap"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("m", "metric", "Metric"),
        Binding("right_square_bracket", "run(1)", "Next run"),
        Binding("left_square_bracket", "run(-1)", "Prev run"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.metric_index = 0
        self.job: Coalesced[GridJob | None, tuple[GridJob, RankGrid, HeatLayout] | None] = (
            Coalesced(self, "rank-grid", self._capture, compute_grid, self._show)
        )

    def compose_body(self) -> ComposeResult:
        yield Static(id="ranks-title")
        yield Static(id="ranks-note")
        yield RankHeatmap(id="heatmap")
        yield Static(id="ranks-key")

    def refresh_data(self) -> None:
        self.job.request()

    def on_resize(self) -> None:
        heatmap = self.query_one(RankHeatmap)
        if heatmap.heat is not None and heatmap.heat.columns != heatmap.columns:
            self.job.request()

    def _capture(self) -> GridJob | None:
        app = self.tui
        view = app.snapshot.runs.get(app.focus_run or "")
        skipped = None
        if view is not None and not view.files:  # queued: show a run that has logs, say so
            with_logs = [v for _n, v in sorted(app.snapshot.runs.items()) if v.files]
            if with_logs:
                skipped, view = view.name, with_logs[0]
        if view is None:
            return None
        row = next((r for r in app.snapshot.rows if r.run == view.name), None)
        live = row is not None and row.status in ACTIVE_STATUSES
        now = app.snapshot.taken_at if live else None
        columns = self.query_one(RankHeatmap).columns
        return GridJob(view, skipped, self.metric_index, now, columns)

    def _show(self, result: tuple[GridJob, RankGrid, HeatLayout] | None) -> None:
        app = self.tui
        title = self.query_one("#ranks-title", Static)
        note = self.query_one("#ranks-note", Static)
        if result is None:
            title.update(Text("no run yet", style="dim"))
            note.display = False
            self.query_one(RankHeatmap).show(None, None)
            return
        job, grid, layout = result
        view = job.view
        self.query_one("#ranks-key", Static).update(key_text(grid.live))
        head = Text()
        head.append(clean_text(view.name) or "", style=f"bold {app.colours.rich(view.name)}")
        head.append(f"  {len(grid.ranks)} ranks  ")
        head.append("metric: ", style="dim")
        head.append(grid.metric.label if grid.metric else "no per-rank series", style="bold")
        head.append("  (m: next metric, [ ]: other run, ↑↓ PgUp PgDn: ranks)", style="dim")
        if job.skipped:
            head.append(f"  {clean_text(job.skipped)} has no logs yet", style="yellow")
        title.update(head)
        note.display = grid.note is not None
        if grid.note:
            note.update(Text(grid.note, style="yellow"))
        self.query_one(RankHeatmap).show(grid, layout)

    def action_metric(self) -> None:
        self.metric_index += 1
        self.refresh_data()

    def action_run(self, delta: int) -> None:
        app = self.tui
        names = sorted(n for n, v in app.snapshot.runs.items() if v.files)
        if not names:
            return
        i = names.index(app.focus_run) if app.focus_run in names else 0
        app.focus_run = names[(i + delta) % len(names)]
        self.refresh_data()
