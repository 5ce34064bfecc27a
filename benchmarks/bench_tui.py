"""TUI speed: first full paint on sample_logs, and redrawing a 1,000,000-point chart.

Usage: ``python -m benchmarks.bench_tui [POINTS] [chart]`` (default 1000000; ``chart``: only
the chart figures).

- First paint: from creating :class:`AnalyzerApp` on ``sample_logs/`` (headless, 120×36) until
  the Runs table shows every run; baseline: the first paint of a trivial Textual app (one Static)
  in the same run. Target under 1 s.
- Chart rebuild: new lines handed to :class:`MetricChart` as a live refresh does (new series
  whose first points are the previous ones, three steps longer), then :meth:`MetricChart.build`
  at 200×50 (EMA smoothing, min/max downsampling to the plot width, plotext); also fresh series
  (another metric, a zoom) and a redraw of the same data, without and with smoothing. Baseline:
  plotext alone drawing the same already-downsampled points (the floor). Target under 20 ms.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl
from textual.app import App, ComposeResult
from textual.widgets import DataTable, Static
from textual_plotext.plot import Plot

from analyzer.tui.app import AnalyzerApp
from analyzer.tui.chartdata import Line
from analyzer.tui.colors import FAINT
from analyzer.tui.fastseries import prepare_points
from analyzer.tui.seriescache import EmaCache
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


class _ChartApp(App[None]):
    def compose(self) -> ComposeResult:
        yield MetricChart("loss", id="chart")


def _source(n: int, phase: float) -> tuple[pl.Series, pl.Series]:
    """A loss-like series of ``n`` steps with one spike that must survive downsampling."""
    xs = pl.int_range(0, n, eager=True).cast(pl.Float64)
    ys = 2.0 + 9.0 * (-xs / (n / 8)).exp() + 0.1 * (xs + phase).sin()
    return xs.alias("x"), ys.scatter(n // 3, 30.0).alias("y")


def _lines(
    runs: list[tuple[pl.Series, pl.Series]], m: int, smoothing: float, ema: EmaCache
) -> Callable[[], list[Line]]:
    """Lines as :func:`lines_for` hands them over: the first ``m`` points of each run, in new
    buffers (a live refresh builds new series); with smoothing a faint raw line per run too."""
    copies = [(xs.head(m) * 1.0, ys.head(m) * 1.0) for xs, ys in runs]

    def make() -> list[Line]:
        faint, solid = [], []
        for k, (xs, ys) in enumerate(copies):
            if smoothing:
                faint.append(Line(f"run{k}", FAINT, xs, ys, faint=True))
                ys = ema.smooth((f"run{k}", "loss"), ys, smoothing)
            solid.append(Line(f"run{k}", ("cyan", "magenta")[k % 2], xs, ys))
        return faint + solid

    return make


async def _chart_times(n: int, smoothing: float, repeats: int = 15) -> dict[str, float]:
    """Median ms of a chart rebuild at 200x50 (smoothing + downsampling + plot) when each run
    grew by 3 points (a live tail), for fresh series (another metric, zoom, x mode), and of a
    redraw of the same data; and the plotext floor for those lines."""
    grow = 3
    runs = [_source(n + grow * repeats, p) for p in (0.0, 1.0)]
    others = [_source(n, p) for p in (2.0, 3.0)]
    ema = EmaCache()
    times: dict[str, list[float]] = {"appended": [], "same": [], "fresh": []}
    app = _ChartApp()
    async with app.run_test(size=(200, 50)) as pilot:
        chart = app.query_one(MetricChart)
        await pilot.pause()

        def rebuild(make: Callable[[], list[Line]] | None, key: str | None) -> None:
            t0 = time.perf_counter()
            if make is not None:
                chart.set_lines(make(), title="loss", log_y=False)
            chart.build(200, 50)
            if key:
                times[key].append(time.perf_counter() - t0)

        rebuild(_lines(runs, n, smoothing, ema), None)
        for i in range(1, repeats + 1):
            rebuild(_lines(runs, n + grow * i, smoothing, ema), "appended")
            rebuild(None, "same")
        for i in range(repeats):
            rebuild(_lines(others if i % 2 else runs, n, smoothing, ema), "fresh")
        floor = _plotext_floor(chart.lines)
    return {k: statistics.median(v) * 1000 for k, v in times.items()} | {"floor": floor * 1000}


def _plotext_floor(lines: list[Line], repeats: int = 7) -> float:
    """plotext drawing already-downsampled points: what no chart code can beat."""
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


def _raw_plotext(n: int) -> float:
    """plotext on two raw series once (what drawing without downsampling would cost)."""
    t0 = time.perf_counter()
    plt = Plot()
    plt.plotsize(200, 50)
    plt._set_size(200, 50)
    for phase, colour in ((0.0, "cyan"), (1.0, "magenta")):
        xs, ys = _source(n, phase)
        plt.plot(xs.to_list(), ys.to_list(), color=colour, marker="hd")
    plt.build()
    return time.perf_counter() - t0


def chart_report(n: int) -> float:
    """Print the chart figures; return the rebuild after a live append without smoothing."""
    print(f"chart, 2 runs x {n:,} points at 200x50, medians (target: rebuild < 20 ms):")
    grown = 0.0
    for smoothing in (0.0, 0.6):
        t = asyncio.run(_chart_times(n, smoothing))
        grown = grown or t["appended"]
        what = "2 lines" if not smoothing else f"EMA {smoothing:g}: 4 lines, faint raw + smoothed"
        print(f"  {what}: plotext alone on the downsampled points (floor) {t['floor']:.1f} ms")
        for key, label in (
            ("appended", "rebuild, each run grown by 3 points (live tail)"),
            ("fresh", "rebuild, fresh series (other metric, zoom, x mode)"),
            ("same", "redraw, same data"),
        ):
            print(f"    {label}: {t[key]:.1f} ms (x{t[key] / t['floor']:.2f} the floor)")
    return grown


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
    args = sys.argv[1:]
    points = next((int(a) for a in args if a.isdigit()), 1_000_000)
    if "chart" not in args:
        _paints()
    grown = chart_report(points)
    if "chart" not in args:
        raw = _raw_plotext(points)
        print(
            f"plotext on the raw series once: {raw * 1000:.0f} ms (x{raw * 1000 / grown:.0f} the rebuild)"
        )


def _paints() -> None:
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


if __name__ == "__main__":
    main()
