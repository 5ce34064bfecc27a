"""TUI speed: first full paint on sample_logs, and redrawing a 1,000,000-point chart.

Usage: ``python -m benchmarks.bench_tui [RAW_POINTS]`` (default 1000000).

- First paint: from creating :class:`AnalyzerApp` on ``sample_logs/`` (headless, 120×36) until
  the Runs table shows every run; baseline: the first paint of a trivial Textual app (one Static)
  in the same run. Target under 1 s.
- Chart redraw: :meth:`MetricChart.build` (min/max downsampling to the plot width, then plotext)
  of two 1M-point series at 200×50; baseline: plotext drawing the same raw series once. Target
  under 20 ms.
"""

from __future__ import annotations

import asyncio
import math
import statistics
import sys
import time
from pathlib import Path

import polars as pl
from textual.app import App, ComposeResult
from textual.widgets import DataTable, Static
from textual_plotext.plot import Plot

from analyzer.tui.app import AnalyzerApp
from analyzer.tui.chartdata import Line
from analyzer.tui.widgets.chart import MetricChart

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_logs"
SIZE = (120, 36)


class _Trivial(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("hello")


async def _trivial_paint() -> float:
    t0 = time.perf_counter()
    app = _Trivial()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        return time.perf_counter() - t0


async def _first_paint(path: Path = SAMPLES, *, watch: bool = False) -> tuple[float, int]:
    t0 = time.perf_counter()
    app = AnalyzerApp([str(path)], watch=watch)
    async with app.run_test(size=SIZE) as pilot:
        while not app.snapshot.runs or app.screen.query_one(DataTable).row_count == 0:
            await pilot.pause(0.005)
        await pilot.pause()
        return time.perf_counter() - t0, len(app.snapshot.runs)


def _series(n: int, phase: float) -> Line:
    xs = [float(i) for i in range(n)]
    ys = [2.0 + 9.0 * math.exp(-i / (n / 8)) + 0.1 * math.sin(i + phase) for i in range(n)]
    ys[n // 3] = 30.0  # one spike that must survive downsampling
    colour = "cyan" if phase == 0 else "magenta"
    return Line(f"run{phase:g}", colour, pl.Series(xs), pl.Series(ys))


class _ChartApp(App[None]):
    def __init__(self, lines: list[Line]) -> None:
        super().__init__()
        self.lines = lines

    def compose(self) -> ComposeResult:
        yield MetricChart("loss", id="chart")


async def _chart_redraw(lines: list[Line], repeats: int = 15) -> tuple[list[float], list[float]]:
    """(rebuilds after new data: downsample + plot, redraws of the same data: plot only)."""
    app = _ChartApp(lines)
    async with app.run_test(size=(200, 50)) as pilot:
        chart = app.query_one(MetricChart)
        await pilot.pause()
        rebuild, redraw = [], []
        for _ in range(repeats):
            chart.set_lines(lines, title="loss", log_y=False)
            t0 = time.perf_counter()
            chart.build(200, 50)
            rebuild.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            chart.build(200, 50)
            redraw.append(time.perf_counter() - t0)
        return rebuild, redraw


def _raw_plotext(lines: list[Line]) -> float:
    t0 = time.perf_counter()
    plt = Plot()
    plt.plotsize(200, 50)
    plt._set_size(200, 50)
    for line in lines:
        plt.plot(line.xs, line.ys, color=line.color, marker="hd")
    plt.build()
    return time.perf_counter() - t0


def _plotext_floor(lines: list[Line], repeats: int = 7) -> float:
    """plotext drawing already-downsampled points: what no chart code can beat."""
    from analyzer.tui.fastseries import prepare_points

    points = [prepare_points(ln.xs, ln.ys, 190) for ln in lines]
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        plt = Plot()
        plt.plotsize(200, 50)
        plt._set_size(200, 50)
        for (xs, ys), ln in zip(points, lines, strict=True):
            plt.plot(xs, ys, color=ln.color, marker="hd")
        plt.build()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _big_paint() -> None:
    """First paint on ~1 GB of rank logs (benchmarks/logdata.py), cold and from the parse cache,
    in live mode (what `analyzer tui` does). Target: under 2 s cached."""
    import os
    import tempfile

    from benchmarks.logdata import generate

    data = generate(1024)
    size = sum(f.stat().st_size for f in data.glob("*.log")) / 1e6
    with tempfile.TemporaryDirectory() as cache:
        os.environ["XDG_CACHE_HOME"] = cache
        cold = asyncio.run(_first_paint(data, watch=True))[0]
        warm = min(asyncio.run(_first_paint(data, watch=True))[0] for _ in range(2))
    print(
        f"first full paint, {size:.0f} MB of rank logs, live: cold {cold:.2f} s, "
        f"from the parse cache {warm:.2f} s (x{warm / cold:.2f} cold; target < 2 s)"
    )


def main() -> None:
    points = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    trivial = min(asyncio.run(_trivial_paint()) for _ in range(3))
    paints = [asyncio.run(_first_paint()) for _ in range(3)]
    best = min(p[0] for p in paints)
    print(f"first paint, trivial Textual app: {trivial * 1000:.0f} ms")
    print(
        f"first full paint, sample_logs ({paints[0][1]} runs): best {best * 1000:.0f} ms, "
        f"median {statistics.median(p[0] for p in paints) * 1000:.0f} ms "
        f"(x{best / trivial:.1f} the trivial app; target < 1000 ms)"
    )
    _big_paint()
    lines = [_series(points, 0.0), _series(points, 1.0)]
    rebuild, redraw = asyncio.run(_chart_redraw(lines))
    med, med_new = statistics.median(redraw), statistics.median(rebuild)
    print(
        f"chart redraw, 2 x {points:,} points at 200x50, downsampled: median {med * 1000:.1f} ms "
        f"(target < 20 ms); with new data (downsample + plot): median {med_new * 1000:.1f} ms"
    )
    floor = _plotext_floor(lines)
    print(f"plotext alone on the same downsampled points (the floor): {floor * 1000:.1f} ms")
    raw_lines = [Line(ln.label, ln.color, ln.xs.to_list(), ln.ys.to_list()) for ln in lines]
    raw = _raw_plotext(raw_lines)
    print(
        f"plotext on the raw series once: {raw * 1000:.0f} ms "
        f"(x{raw / med:.0f} the downsampled redraw, x{raw / med_new:.0f} the rebuild)"
    )


if __name__ == "__main__":
    main()
