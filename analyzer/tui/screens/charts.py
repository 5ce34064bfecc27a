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
from analyzer.tui.chartdata import (
    METRICS,
    ChartCache,
    ChartOptions,
    Line,
    lines_for,
    memory_metric,
    rank_lines,
)
from analyzer.tui.colors import PALETTE
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

    def _lines(self, metric: str) -> tuple[list[Line], bool]:
        app, snap = self.tui, self.tui.snapshot
        if self.per_rank and app.focus_run in snap.runs:
            colours = [p[1] for p in PALETTE]
            return rank_lines(snap.runs[app.focus_run], metric, self.opts, colours, self.cache)
        views = [(snap.runs[n], c) for n, c in self._runs()]
        return lines_for(views, metric, self.opts, self.cache)

    def _legend(self, fell_back: bool) -> Text:
        app = self.tui
        text = Text(no_wrap=True, overflow="ellipsis")
        if self.per_rank and app.focus_run:
            text.append("per rank: ", style="bold")
            text.append(clean_text(app.focus_run) or "", style=app.colours.rich(app.focus_run))
        else:
            for name, _ in self._runs():
                text.append("■ ", style=app.colours.rich(name))
                text.append((clean_text(name) or "") + "  ")
        o = self.opts
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
        fell_back = False
        for i, (m, chart) in enumerate(zip(METRICS, self.charts(), strict=True)):
            chart.display = self.single is None or self.single == i
            if not chart.display:
                continue
            lines, fb = self._lines(m.key)
            fell_back |= fb
            title = f"{m.title} ({m.unit})" if m.unit else m.title
            if m.key == "memory":
                title = self._memory_title()
            x_label = "step" if fb else self.opts.x_mode
            chart.set_lines(lines, title=title, log_y=self.opts.log_y, x_label=x_label)
        self.cache.keep_only(set(self.tui.snapshot.runs))
        grid = self.query_one("#chart-grid", Grid)
        grid.set_class(self.single is not None, "single")
        self.query_one("#legend", Static).update(self._legend(fell_back))

    def _memory_title(self) -> str:
        """Which peak metric is drawn (as in the comparison's peak MB), and over what."""
        snap = self.tui.snapshot
        runs = [n for n in self.tui.chosen_runs() if n in snap.runs]
        names = {memory_metric(snap.runs[n].memory) for n in runs} - {None}
        if not names:
            return "memory (MB)"
        over = "per rank" if self.per_rank else "max of ranks"
        return f"memory {'/'.join(sorted(n for n in names if n))}, {over} (MB)"

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
