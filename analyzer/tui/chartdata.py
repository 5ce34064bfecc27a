"""What a chart draws: metric series per run (or per rank), smoothed, on the chosen x axis.

Headless (no Textual): the chart widget only downsamples these lines to its width and plots.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from analyzer.series import x_values
from analyzer.summary import PEAK_METRICS
from analyzer.tui.colors import FAINT
from analyzer.tui.fastseries import Values, ema_series
from analyzer.tui.rankspread import (
    MAX_RANK_LINES,
    STEP_COLUMNS,
    memory_by,
    rank_values,
    spread_series,
)
from analyzer.tui.seriescache import EmaCache
from analyzer.tui.snapshot import RunView
from analyzer.tui.stepseries import REPORTING, StepSeries, rank_counts, reporting_of


@dataclass(frozen=True)
class Metric:
    key: str
    title: str
    unit: str


METRICS: tuple[Metric, ...] = (
    Metric("loss", "loss", ""),
    Metric("step_time", "step time", "ms"),
    Metric("throughput", "throughput", "TFLOP/s/device"),
    Metric("memory", "memory", "MB"),
)
METRIC_KEYS = tuple(m.key for m in METRICS)
#: The memory chart shows the metric the comparison's ``peak_memory_mb`` is taken from.
MEMORY_PREFERENCE = PEAK_METRICS


@dataclass(frozen=True)
class Line:
    """One series to draw; xs/ys are polars Series (or lists) of equal length."""

    label: str
    color: str
    xs: Values
    ys: Values
    faint: bool = False
    #: Lines with an equal chain token only grow: each begins with all points of the earlier
    #: ones (see analyzer.tui.seriescache.Chain); None: no such promise.
    chain: object = None


@dataclass(frozen=True)
class ChartOptions:
    x_mode: str = "step"
    smoothing: float = 0.0
    log_y: bool = False
    zoom: tuple[int, int] | None = None


def reporting_rank(steps: pl.DataFrame) -> int | None:
    """The rank with the most step rows (ties: the highest): the run's own series (the same
    choice as the cached series', :func:`analyzer.tui.stepseries.reporting_of`)."""
    return reporting_of(rank_counts(steps)) if steps.height else None


def _by_rank(frame: pl.DataFrame, rank: int | None) -> pl.DataFrame:
    if rank is None:
        return frame.filter(pl.col("rank").is_null())
    return frame.filter(pl.col("rank") == rank)


def memory_metric(memory: pl.DataFrame) -> str | None:
    """Which memory metric to chart: the one ``analyzer compare`` takes its peak from."""
    present = set(memory.get_column("metric").unique().to_list()) if memory.height else set()
    return next((m for m in MEMORY_PREFERENCE if m in present), None)


def memory_frame(view: RunView, rank: int | None, *, every_rank: bool) -> pl.DataFrame:
    """The peak metric per step: one rank's, or the maximum over ranks (``every_rank``), so the
    chart's top is the comparison's peak. Reports without a step (end-of-run summaries) sit at
    the run's last step (0 when it has none)."""
    name = memory_metric(view.memory) or ""
    memory = view.memory if every_rank else _by_rank(view.memory, rank)
    return memory_by(memory, view.steps, name, ("step",)).sort("step")


def series_frame(
    view: RunView, metric: str, rank: int | None, *, every_rank: bool = False
) -> pl.DataFrame:
    """step, value, timestamp, step_time_ms for one rank of one run, one row per step."""
    if metric == "memory":
        frame = memory_frame(view, rank, every_rank=every_rank)
    else:
        frame = _by_rank(view.steps, rank).select(
            "step", pl.col(STEP_COLUMNS[metric]).alias("value"), "timestamp", "step_time_ms"
        )
    frame = frame.filter(pl.col("step").is_not_null())
    return frame.unique("step", keep="last", maintain_order=True).sort("step")


def _line_points(frame: pl.DataFrame, opts: ChartOptions) -> tuple[Values, pl.Series, bool]:
    if opts.zoom is not None and frame.height > 1:  # a single report is never zoomed away
        lo, hi = opts.zoom
        frame = frame.filter(pl.col("step").is_between(lo, hi))
    ys = frame.get_column("value")
    steps = frame.get_column("step").cast(pl.Float64)
    if opts.x_mode == "step":
        return steps, ys, False
    xs = x_values(
        opts.x_mode,
        steps.to_list(),
        frame.get_column("timestamp").to_list(),
        frame.get_column("step_time_ms").to_list(),
    )
    if xs is None:
        return steps, ys, True
    return xs, ys, False


class ChartCache:
    """What the Charts screen keeps between refreshes so that a live run's new rows cost only
    their own work: step series extended by them (:class:`StepSeries`), smoothing continued
    (:class:`EmaCache`)."""

    def __init__(self) -> None:
        self.steps = StepSeries(lambda v, m, r: series_frame(v, m, r), STEP_COLUMNS)
        self.ema = EmaCache()

    def keep_only(self, runs: set[str]) -> None:
        self.steps.forget_except(runs)


def _points(
    view: RunView, metric: str, rank: object, opts: ChartOptions, cache: ChartCache | None
) -> tuple[Values, pl.Series, bool, object]:
    """xs, ys, whether x fell back to step, and the series' chain token (None if not kept)."""
    if cache is not None and metric != "memory" and opts.x_mode == "step" and opts.zoom is None:
        xs, ys, chain = cache.steps.series(view, metric, rank)
        return xs, ys, False, chain
    every_rank = rank == REPORTING
    if every_rank:
        rank = reporting_rank(view.steps)
    frame = series_frame(view, metric, rank, every_rank=every_rank)  # type: ignore[arg-type]
    return (*_line_points(frame, opts), None)


def _smooth(
    cache: ChartCache | None, key: tuple[object, ...], ys: Values, weight: float, chain: object
) -> tuple[Values, object]:
    """The smoothed values and the chain token of the line they make (None: not a chain)."""
    if cache is None:
        return ema_series(ys, weight), None
    smoothed, ema_chain = cache.ema.smooth_chain(key, ys, weight, chain)
    return smoothed, (chain, ema_chain) if chain is not None else None


def lines_for(
    runs: Sequence[tuple[RunView, str]],
    metric: str,
    opts: ChartOptions,
    cache: ChartCache | None = None,
) -> tuple[list[Line], bool]:
    """Lines for ``runs`` [(view, plotext colour)]; True when the x mode fell back to step.
    ``cache`` keeps series and smoothing between calls (see :class:`ChartCache`)."""
    lines: list[Line] = []
    faint: list[Line] = []
    fell_back = False
    for view, colour in runs:
        xs, ys, fb, chain = _points(view, metric, REPORTING, opts, cache)
        fell_back |= fb
        line_chain = chain
        if opts.smoothing > 0:
            faint.append(Line(view.name, FAINT, xs, ys, faint=True, chain=chain))
            ys, line_chain = _smooth(cache, (view.name, metric), ys, opts.smoothing, chain)
        lines.append(Line(view.name, colour, xs, ys, chain=line_chain))
    return faint + lines, fell_back


def rank_lines(
    view: RunView,
    metric: str,
    opts: ChartOptions,
    colours: Sequence[str],
    cache: ChartCache | None = None,
) -> tuple[list[Line], bool]:
    """One line per rank of one run (per-rank mode); beyond MAX_RANK_LINES ranks, the spread
    over ranks and the ranks furthest out (:mod:`analyzer.tui.rankspread`)."""
    source = view.memory if metric == "memory" else view.steps
    ranks = source.get_column("rank").unique().to_list()
    if len(ranks) > MAX_RANK_LINES:
        return spread_lines(view, metric, opts, colours)
    ranks.sort(key=lambda r: (r is None, r))
    lines = []
    fell_back = False
    for i, rank in enumerate(ranks):
        xs, ys, fb, chain = _points(view, metric, rank, opts, cache)
        fell_back |= fb
        if opts.smoothing > 0:
            ys, chain = _smooth(cache, (view.name, metric, rank), ys, opts.smoothing, chain)
        lines.append(Line(f"rank {rank}", colours[i % len(colours)], xs, ys, chain=chain))
    return lines, fell_back


def spread_lines(
    view: RunView, metric: str, opts: ChartOptions, colours: Sequence[str]
) -> tuple[list[Line], bool]:
    """Per step over ranks: min and max (faint), the median; then the outlier ranks."""
    values = rank_values(view, metric, memory_metric(view.memory))
    lines = []
    fell_back = False
    for i, series in enumerate(spread_series(values)):
        xs, ys, fb = _line_points(series.frame, opts)
        fell_back |= fb
        if opts.smoothing > 0:
            ys = ema_series(ys, opts.smoothing)
        faint = series.role in ("min", "max")
        colour = FAINT if faint else colours[(i - 2) % len(colours)]
        lines.append(Line(series.label, colour, xs, ys, faint=faint))
    return lines, fell_back
