"""The chart part of bench_tui: rebuilding a 2 x 1,000,000-point chart at 200x50.

A live refresh hands the chart new series three steps longer than the last ones: through
``lines_for`` with the Charts screen's :class:`ChartCache` (series extended from the new rows,
chain tokens), and as bare lines that the chart must compare with the last ones; also fresh
series and a redraw of the same data, without and with smoothing. Baseline: plotext alone
drawing the same already-downsampled lines (the floor). Target: rebuild under 20 ms.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl
from textual.app import App, ComposeResult
from textual_plotext.plot import Plot

from analyzer.discover import Run
from analyzer.store import RunData
from analyzer.tui.chartdata import ChartCache, ChartOptions, Line, lines_for
from analyzer.tui.colors import FAINT
from analyzer.tui.seriescache import EmaCache
from analyzer.tui.snapshot import run_view
from analyzer.tui.widgets.chart import MetricChart
from parsers import SCHEMAS

GROW = 3
SIZE = (200, 50)


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


def _steps(lo: int, hi: int, n: int, phase: float) -> pl.DataFrame:
    """Rows ``lo..hi`` of a run's steps frame (canonical schema) holding the :func:`_source`
    losses: what the store has of a run of ``n`` steps."""
    step = pl.int_range(lo, hi, eager=True, dtype=pl.Int64)
    x = step.cast(pl.Float64)
    loss = 2.0 + 9.0 * (-x / (n / 8)).exp() + 0.1 * (x + phase).sin()
    if lo <= n // 3 < hi:
        loss = loss.scatter(n // 3 - lo, 30.0)
    given = {"step": step, "loss": loss, "rank": pl.repeat(0, hi - lo, eager=True, dtype=pl.Int64)}
    return pl.DataFrame(
        [
            given[c].alias(c)
            if c in given
            else pl.repeat(None, hi - lo, dtype=t, eager=True).alias(c)
            for c, t in SCHEMAS["step"].items()
        ]
    )


async def _chart_times(n: int, smoothing: float, repeats: int = 15) -> dict[str, list[float]]:
    """Times (s) of a chart rebuild at 200x50 (smoothing + downsampling + plot) when each run
    grew by 3 points (a live tail), for fresh series (another metric, zoom, x mode), and of a
    redraw of the same data; and the plotext floor for those lines."""
    runs = [_source(n + GROW * repeats, p) for p in (0.0, 1.0)]
    others = [_source(n, p) for p in (2.0, 3.0)]
    ema = EmaCache()
    times: dict[str, list[float]] = {"appended": [], "same": [], "fresh": [], "floor": []}
    app = _ChartApp()
    async with app.run_test(size=SIZE) as pilot:
        chart = app.query_one(MetricChart)
        await pilot.pause()

        def rebuild(make: Callable[[], list[Line]] | None, key: str | None) -> None:
            t0 = time.perf_counter()
            if make is not None:
                chart.set_lines(make(), title="loss", log_y=False)
            chart.build(*SIZE)
            if key:
                times[key].append(time.perf_counter() - t0)
                times["floor"].append(_plotext_floor(chart))

        rebuild(_lines(runs, n, smoothing, ema), None)
        for i in range(1, repeats + 1):
            rebuild(_lines(runs, n + GROW * i, smoothing, ema), "appended")
            rebuild(None, "same")
        for i in range(repeats):
            rebuild(_lines(others if i % 2 else runs, n, smoothing, ema), "fresh")
    return times


async def _screen_times(n: int, smoothing: float, repeats: int = 15) -> dict[str, list[float]]:
    """Times (s) of what the Charts screen does per refresh of a live run, from the store's
    new rows to the drawn chart: ``lines_for`` with its cache, then the rebuild; and, once the
    cache cannot help (a zoom), ``lines_for`` on the whole 1M-row frames, then the rebuild."""
    datas = []
    for phase in (0.0, 1.0):
        data = RunData(Run(f"run{phase:g}", Path("/nonexistent"), []))
        data.append_frame("step", _steps(0, n, n, phase))
        datas.append((data, phase))
    cache = ChartCache()
    times: dict[str, list[float]] = {"live": [], "zoomed": [], "floor": []}
    app = _ChartApp()
    async with app.run_test(size=SIZE) as pilot:
        chart = app.query_one(MetricChart)
        await pilot.pause()

        def refresh(opts: ChartOptions, key: str | None) -> None:
            views = [(run_view(d), ("cyan", "magenta")[i]) for i, (d, _) in enumerate(datas)]
            t0 = time.perf_counter()
            chart.set_lines(lines_for(views, "loss", opts, cache)[0], title="loss", log_y=False)
            chart.build(*SIZE)
            if key:
                times[key].append(time.perf_counter() - t0)
                times["floor"].append(_plotext_floor(chart))

        refresh(ChartOptions(smoothing=smoothing), None)
        for i in range(repeats):
            for data, phase in datas:  # the tail appends 3 steps to each run
                data.append_frame("step", _steps(n + GROW * i, n + GROW * (i + 1), n, phase))
            refresh(ChartOptions(smoothing=smoothing), "live")
        for i in range(3):
            refresh(ChartOptions(smoothing=smoothing, zoom=(i, 2**62)), "zoomed")
    return times


def _plotext_floor(chart: MetricChart) -> float:
    """plotext alone drawing the points the chart just drew: what no chart code can beat.
    Timed right after each rebuild, so that both see the same load on this shared machine."""
    t0 = time.perf_counter()
    plt = Plot()
    plt.plotsize(*SIZE)
    plt._set_size(*SIZE)
    for line, xs, ys in chart._prepared_points:
        plt.plot(xs, ys, color=line.color, marker="hd")
    plt.build()
    return time.perf_counter() - t0


def raw_plotext(n: int) -> float:
    """plotext on two raw series once (what drawing without downsampling would cost)."""
    t0 = time.perf_counter()
    plt = Plot()
    plt.plotsize(*SIZE)
    plt._set_size(*SIZE)
    for phase, colour in ((0.0, "cyan"), (1.0, "magenta")):
        xs, ys = _source(n, phase)
        plt.plot(xs.to_list(), ys.to_list(), color=colour, marker="hd")
    plt.build()
    return time.perf_counter() - t0


def chart_report(n: int) -> float:
    """Print the chart figures; return the screen's rebuild after a live append, no smoothing."""
    print(f"chart, 2 runs x {n:,} points at 200x50, medians (target: rebuild < 20 ms):")
    live = 0.0
    for smoothing in (0.0, 0.6):
        screen = asyncio.run(_screen_times(n, smoothing))
        times = asyncio.run(_chart_times(n, smoothing))
        times["floor"] += screen.pop("floor")
        t = {k: statistics.median(v) * 1000 for k, v in (times | screen).items()}
        live = live or t["live"]
        what = "2 lines" if not smoothing else f"EMA {smoothing:g}: 4 lines, faint raw + smoothed"
        print(f"  {what}: plotext alone on the downsampled points (floor) {t['floor']:.1f} ms")
        for key, label in (
            ("live", "live tail, 3 new steps per run: lines_for with the screen's cache + rebuild"),
            ("appended", "live tail, bare lines 3 points longer (compared with the last): rebuild"),
            ("fresh", "fresh lines (another metric, x mode): rebuild"),
            ("zoomed", "fresh zoom: lines_for from the whole frames + rebuild"),
            ("same", "redraw, same data"),
        ):
            print(f"    {label}: {t[key]:.1f} ms (x{t[key] / t['floor']:.2f} the floor)")
    return live
