"""Charts: loss, step time, throughput and memory of the marked runs (or all), overlaid."""

from __future__ import annotations

import re
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid
from textual.widgets import Input, Static

from analyzer.sanitize import clean_text
from analyzer.series import X_MODES
from analyzer.tui.chartdata import METRICS, ChartCache, ChartOptions
from analyzer.tui.chartjob import ChartJob, ChartResult, compute_charts
from analyzer.tui.colors import PALETTE
from analyzer.tui.offthread import Coalesced
from analyzer.tui.rankspread import MAX_RANK_LINES, OUTLIERS
from analyzer.tui.screens.base import AnalyzerScreen
from analyzer.tui.widgets.chart import MetricChart

SMOOTHING_STEPS = (0.0, 0.6, 0.8, 0.9, 0.95, 0.99)
_ZOOM = re.compile(r"^\s*(-?[0-9]+)?\s*[:\-, ]\s*(-?[0-9]+)?\s*$")


def parse_zoom(text: str) -> tuple[int, int] | None:
    """``"100:200"``, ``"100-"``, ``":50"`` → an inclusive step range; empty → None."""
    if not text.strip():
        return None
    m = _ZOOM.match(text)
    if not m or (m.group(1) is None and m.group(2) is None):
        raise ValueError(f"expected FROM:TO steps, got {text!r}")
    lo = int(m.group(1)) if m.group(1) else -(2**62)
    hi = int(m.group(2)) if m.group(2) else 2**62
    return (min(lo, hi), max(lo, hi))


class ChartsScreen(AnalyzerScreen):
    MODE = "charts"
    AUTO_FOCUS = None
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "smooth(1)", "Smooth+"),
        Binding("S", "smooth(-1)", "Smooth-"),
        Binding("l", "log_y", "Log y"),
        Binding("x", "x_mode", "X axis"),
        Binding("z", "zoom", "Zoom"),
        Binding("Z", "unzoom", "Unzoom", show=False),
        Binding("p", "per_rank", "Per rank"),
        Binding("f", "focus_metric", "One/all"),
        Binding("escape", "close_zoom", "Close", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.smoothing_index = 0
        self.opts = ChartOptions()
        self.per_rank = False
        self.single: int | None = None  # index into METRICS when one chart is maximised
        self.cache = ChartCache()  # series extended and smoothing continued as runs grow
        self.job: Coalesced[ChartJob, ChartResult] = Coalesced(
            self, "chart-lines", self._capture, self._compute, self._show
        )

    def compose_body(self) -> ComposeResult:
        yield Static(id="legend")
        with Grid(id="chart-grid"):
            for m in METRICS:
                yield MetricChart(m.title, id=f"chart-{m.key}")

    def charts(self) -> list[MetricChart]:
        return list(self.query(MetricChart))

    def _runs(self) -> list[tuple[str, str]]:
        app = self.tui
        return [(n, app.colours.plotext(n)) for n in app.chosen_runs()]

    def _legend(self, result: ChartResult, fell_back: bool) -> Text:
        app = self.tui
        text = Text(no_wrap=True, overflow="ellipsis")
        job = result.job
        if job.per_rank and job.focus:
            text.append("per rank: ", style="bold")
            text.append(clean_text(job.focus) or "", style=app.colours.rich(job.focus))
            if result.ranks > MAX_RANK_LINES:
                text.append(f" {result.ranks} ranks: median, min-max grey, ")
                text.append(f"the {OUTLIERS} furthest out ")
        else:
            for name, _ in job.runs:
                text.append("■ ", style=app.colours.rich(name))
                text.append((clean_text(name) or "") + "  ")
        o = job.opts
        text.append(f"│ x={o.x_mode} ema={o.smoothing:g} ", style="dim")
        if o.log_y:
            text.append("log-y ", style="dim")
        if o.zoom:
            lo, hi = o.zoom
            text.append(f"steps {max(lo, 0)}..{hi if hi < 2**61 else 'end'} ", style="dim")
        if fell_back:
            text.append("(no timestamps: x=step) ", style="yellow")
        return text

    def refresh_data(self) -> None:
        self.job.request()

    def _capture(self) -> ChartJob:
        app = self.tui
        runs = tuple(self._runs())
        shown = tuple(i for i in range(len(METRICS)) if self.single in (None, i))
        return ChartJob(app.snapshot, runs, self.per_rank, app.focus_run, self.opts, shown)

    def _compute(self, job: ChartJob) -> ChartResult:
        return compute_charts(job, self.cache, [p[1] for p in PALETTE])

    def _show(self, result: ChartResult) -> None:
        """Hand the computed lines to the charts (they redraw, throttled)."""
        fell_back = False
        opts = result.job.opts
        for i, (m, chart) in enumerate(zip(METRICS, self.charts(), strict=True)):
            chart.display = i in result.lines
            if not chart.display:
                continue
            lines, fb = result.lines[i]
            fell_back |= fb
            title = f"{m.title} ({m.unit})" if m.unit else m.title
            if m.key == "memory":
                title = result.memory_title
            x_label = "step" if fb else opts.x_mode
            chart.set_lines(lines, title=title, log_y=opts.log_y, x_label=x_label)
        grid = self.query_one("#chart-grid", Grid)
        grid.set_class(len(result.job.shown) == 1, "single")
        self.query_one("#legend", Static).update(self._legend(result, fell_back))

    def _set(self, **changes: object) -> None:
        fields = {**self.opts.__dict__, **changes}
        self.opts = ChartOptions(**fields)  # type: ignore[arg-type]
        self.refresh_data()

    def action_smooth(self, delta: int) -> None:
        self.smoothing_index = max(0, min(len(SMOOTHING_STEPS) - 1, self.smoothing_index + delta))
        self._set(smoothing=SMOOTHING_STEPS[self.smoothing_index])

    def action_log_y(self) -> None:
        self._set(log_y=not self.opts.log_y)

    def action_x_mode(self) -> None:
        self._set(x_mode=X_MODES[(X_MODES.index(self.opts.x_mode) + 1) % len(X_MODES)])

    def action_per_rank(self) -> None:
        self.per_rank = not self.per_rank
        self.refresh_data()

    def action_focus_metric(self) -> None:
        order = [None, *range(len(METRICS))]
        self.single = order[(order.index(self.single) + 1) % len(order)]
        self.refresh_data()

    def action_zoom(self) -> None:
        """A step-range input, mounted only while it is used (it must not hold focus)."""
        if not self.query("#zoom"):
            box = Input(placeholder="step range FROM:TO (e.g. 100:500); Enter applies", id="zoom")
            self.mount(box, before=self.query_one("#status"))
        self.query_one("#zoom", Input).focus()

    def action_unzoom(self) -> None:
        self._set(zoom=None)

    def action_close_zoom(self) -> None:
        for box in self.query("#zoom"):
            box.remove()
        self.set_focus(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        try:
            zoom = parse_zoom(event.value)
        except ValueError as exc:
            self.notify(str(exc), severity="error")
            return
        self.action_close_zoom()
        self._set(zoom=zoom)
