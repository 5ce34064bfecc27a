"""A metric chart: plotext lines, downsampled to the widget's width, redraws throttled.

New data only marks the chart dirty; the plot is rebuilt at most ``MAX_FPS`` times a second and
only when the data or the size changed, and the built text is cached between repaints.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from datetime import datetime

from rich.text import Text
from textual.app import RenderResult
from textual_plotext import PlotextPlot

from analyzer.sanitize import clean_text
from analyzer.tui.ansitext import ansi_text
from analyzer.tui.chartdata import Line
from analyzer.tui.colors import PALETTE
from analyzer.tui.seriescache import SeriesPoints

RICH_OF = {plotext: rich for rich, plotext in PALETTE}

MAX_FPS = 10.0
#: Columns taken by the y-axis labels and frame: the rest is the plot area.
AXIS_COLUMNS = 10


def int_ticks(lo: float, hi: float, count: int = 6) -> list[int]:
    """About ``count`` round integer ticks covering ``lo..hi`` (steps are integers)."""
    span = max(hi - lo, 1.0)
    raw = span / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    first = math.ceil(lo / step) * step
    ticks = [int(t) for t in range(int(first), int(hi) + 1, max(1, int(step)))]
    return ticks or [int(lo)]


class MetricChart(PlotextPlot):
    """Shows a list of :class:`Line`; call :meth:`set_lines` with new data."""

    DEFAULT_CSS = "MetricChart { width: 1fr; height: 1fr; min-height: 6; }"

    def __init__(self, title: str = "", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.title = title
        self.lines: list[Line] = []
        self.log_y = False
        self.x_label = "step"
        self.empty_message = "nothing in these logs yet"
        self._version = 0
        self._built: tuple[int, int, int] | None = None
        self._text: Text = Text()
        self._last_draw = 0.0
        self._pending = False
        self.draw_count = 0
        self._prepared_key: tuple[int, int, bool] | None = None
        self._prepared_points: list[tuple[Line, list[float], list[float]]] = []
        self._series: dict[tuple[str, bool, int], SeriesPoints] = {}

    def set_lines(
        self, lines: Sequence[Line], *, title: str, log_y: bool, x_label: str = "step"
    ) -> None:
        self.lines, self.title, self.log_y, self.x_label = list(lines), title, log_y, x_label
        self._version += 1
        self._schedule()

    def _schedule(self) -> None:
        """Coalesce redraws: at most MAX_FPS, the last data always drawn."""
        if self._pending:
            return
        wait = 1.0 / MAX_FPS - (time.monotonic() - self._last_draw)
        if wait <= 0:
            self.refresh()
            return
        self._pending = True
        self.set_timer(wait, self._flush)

    def _flush(self) -> None:
        self._pending = False
        self.refresh()

    def build(self, width: int, height: int) -> Text:
        """Plot the lines at ``width`` × ``height`` (downsampled to the plot width)."""
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.plotsize(width, height)
        plt._set_size(width, height)
        plt.theme(self._get_plotext_theme_name(self.app.theme))
        plt.title(clean_text(self.title) or "")
        prepared = self._prepared(max(8, width - AXIS_COLUMNS))
        self.draw_count += 1
        if prepared and all(len(xs) == 1 for line, xs, _ in prepared if not line.faint):
            return self._bars(prepared)
        for line, xs, ys in prepared:
            plt.plot(xs, ys, color=line.color, marker="hd")
        drawn = len(prepared)
        if self.log_y and drawn:
            plt.yscale("log")
        if drawn:
            lo = min(xs[0] for _, xs, _ in prepared)
            hi = max(xs[-1] for _, xs, _ in prepared)
            if self.x_label == "wall":
                self._wall_ticks(lo, hi)
            elif self.x_label == "step":
                plt.xticks(int_ticks(lo, hi))
        if not drawn:
            return Text(f"{self.title}: {self.empty_message}", style="dim")
        return ansi_text(plt.build())

    def _prepared(self, columns: int) -> list[tuple[Line, list[float], list[float]]]:
        """Downsampled points, cached until the data, the log scale or the width changes."""
        key = (self._version, columns, self.log_y)
        if self._prepared_key != key:
            self._prepared_points = [p for p in self._prepare_lines(columns) if p[1]]
            self._prepared_key = key
        return self._prepared_points

    def _prepare_lines(self, columns: int) -> list[tuple[Line, list[float], list[float]]]:
        """Finite (positive, for log y) points of each line, min/max-downsampled to ``columns``;
        a line goes to the :class:`SeriesPoints` of the same label as last time, so a series
        that grew (a live run) only has its new points processed."""
        slots: dict[tuple[str, bool, int], SeriesPoints] = {}
        out = []
        for line in self.lines:
            n = 0
            while (line.label, line.faint, n) in slots:
                n += 1
            key = (line.label, line.faint, n)
            slot = slots[key] = self._series.get(key) or SeriesPoints()
            points = slot.update(line.xs, line.ys, columns, log_y=self.log_y, chain=line.chain)
            out.append((line, *points))
        self._series = slots
        return out

    def _bars(self, prepared: list[tuple[Line, list[float], list[float]]]) -> Text:
        """One value per series (e.g. one memory report per run): labelled horizontal bars."""
        solid = [
            (clean_text(line.label) or "", line.color, ys[0])
            for line, _, ys in prepared
            if not line.faint
        ]
        label_w = min(24, max(len(label) for label, _, _ in solid))
        top = max(abs(v) for _, _, v in solid) or 1.0
        bar_w = max(4, self.size.width - label_w - 14)
        text = Text(f"{self.title}\n", style="bold", justify="center")
        for label, colour, value in solid:
            text.append(f"{label[:label_w]:>{label_w}} ")
            text.append(
                "█" * max(1, round(bar_w * abs(value) / top)), style=RICH_OF.get(colour, "")
            )
            text.append(f" {value:,.0f}\n")
        return text

    def _wall_ticks(self, lo: float, hi: float) -> None:
        ticks = [lo + (hi - lo) * i / 3 for i in range(4)]
        self.plt.xticks(ticks, [datetime.fromtimestamp(t).strftime("%H:%M:%S") for t in ticks])

    def render(self) -> RenderResult:
        key = (self._version, self.size.width, self.size.height)
        if key != self._built and self.size.width > 0 and self.size.height > 0:
            self._text = self.build(self.size.width, self.size.height)
            self._built = key
            self._last_draw = time.monotonic()
        return self._text
