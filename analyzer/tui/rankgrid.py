"""The rank × step grid of one run: what each rank reports over time, slow and silent ranks.

Headless (no Textual), computed off the UI thread. Each cell is the largest value a rank
reported within a bucket of steps (a straggler shows as the high value); a rank is slow when
its typical ratio to the per-step median of all ranks is high, silent when its file stopped
growing well before the others. Everything is done in polars, once per rank×step table, so a
run of a thousand ranks costs tens of milliseconds, not a Python loop per cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from analyzer.tui.chartdata import memory_metric
from analyzer.tui.snapshot import RunView

SLOW_RATIO = 1.10
SILENT_S = 60.0
#: Stands for the rank of files without one (a scheduler log) inside polars frames.
NO_RANK = -1
#: Cell codes of :func:`heat_layout`: no value, ≤5 %, ≤15 %, >15 % over the column's median.
NONE, OK, WARM, HOT = ".", "g", "y", "r"
_FRAME_SCHEMA = {"rank": pl.Int64, "step": pl.Int64, "v": pl.Float64}


@dataclass(frozen=True)
class GridMetric:
    key: str  # "step_time", "memory", or "timer:<name>"
    label: str


@dataclass
class RankGrid:
    metric: GridMetric | None
    ranks: list[int | None]
    steps: list[int] = field(default_factory=list)
    #: rank (NO_RANK for None), step, v: the largest value per rank and step.
    frame: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=_FRAME_SCHEMA))
    ages: dict[int | None, float | None] = field(default_factory=dict)
    slow: set[int | None] = field(default_factory=set)
    silent: set[int | None] = field(default_factory=set)
    note: str | None = None
    #: True: ``ages`` are seconds before now (a live run); False: before the run's end.
    live: bool = False
    #: Each rank's median value over every step it reported.
    typical: dict[int | None, float] = field(default_factory=dict)


@dataclass(frozen=True)
class HeatRow:
    """One rank's line of the heatmap: its label facts and one code per column."""

    rank: int | None
    typical: float | None
    age: float | None
    flag: str
    cells: str


@dataclass(frozen=True)
class HeatLayout:
    """The heatmap at a given number of columns: a row per rank, in rank order."""

    columns: int
    first_step: int | None
    last_step: int | None
    rows: tuple[HeatRow, ...]
    live: bool


def grid_metrics(view: RunView) -> list[GridMetric]:
    """The per-rank series this run's logs hold."""
    out: list[GridMetric] = []
    steps = view.steps.filter(pl.col("step_time_ms").is_not_null())
    if steps.height:
        out.append(GridMetric("step_time", "step time (ms)"))
    name = memory_metric(view.memory)
    if name:
        out.append(GridMetric("memory", f"memory {name} (MB)"))
    timers = view.timers.filter(pl.col("step").is_not_null())
    for t in sorted(set(timers.get_column("name").to_list())) if timers.height else []:
        out.append(GridMetric(f"timer:{t}", f"timer {t} (ms)"))
    return out


def _frame(view: RunView, metric: GridMetric) -> pl.DataFrame:
    if metric.key == "step_time":
        f = view.steps.select("rank", "step", pl.col("step_time_ms").alias("v"))
    elif metric.key == "memory":
        name = memory_metric(view.memory) or ""
        f = view.memory.filter(pl.col("metric") == name).select(
            "rank", "step", pl.col("mb").alias("v")
        )
    else:
        name = metric.key.split(":", 1)[1]
        f = view.timers.filter(pl.col("name") == name).select(
            "rank", "step", pl.col("ms").alias("v")
        )
    f = f.drop_nulls(["step", "v"]).with_columns(
        pl.col("rank").cast(pl.Int64).fill_null(NO_RANK),
        pl.col("step").cast(pl.Int64),
        pl.col("v").cast(pl.Float64),
    )
    return f.group_by("rank", "step").agg(pl.col("v").max())


def _rank(value: int) -> int | None:
    return None if value == NO_RANK else value


def _ages(view: RunView, now: float | None = None) -> dict[int | None, float | None]:
    """Seconds from each rank's last line (its file's mtime) to ``now``, or to the run's end
    (its newest file) when ``now`` is None."""
    times = [f.mtime for f in view.files if f.mtime is not None]
    ref = now if now is not None else (max(times) if times else None)
    ages: dict[int | None, float | None] = {}
    for f in view.files:
        ages[f.rank] = None if f.mtime is None or ref is None else max(0.0, ref - f.mtime)
    return ages


def _slow(frame: pl.DataFrame) -> set[int | None]:
    """Ranks whose median ratio to the per-step median (over steps with 2+ ranks) is high."""
    ratios = (
        frame.with_columns(n=pl.len().over("step"), med=pl.col("v").median().over("step"))
        .filter((pl.col("n") >= 2) & (pl.col("med") > 0))
        .group_by("rank")
        .agg((pl.col("v") / pl.col("med")).median().alias("ratio"))
        .filter(pl.col("ratio") > SLOW_RATIO)
    )
    return {_rank(r) for r in ratios.get_column("rank").to_list()}


def _sorted_ranks(ranks: set[int | None]) -> list[int | None]:
    return sorted(ranks, key=lambda r: (r is None, r or 0))


def _note(view: RunView, ranks: list[int | None]) -> str | None:
    step_ranks = set(view.steps.get_column("rank").drop_nulls().unique().to_list())
    if len(step_ranks) == 1 and len([r for r in ranks if r is not None]) > 1:
        (only,) = step_ranks
        return (
            f"Only rank {only} prints iteration lines (Megatron-style logging): per-rank step "
            "times are not in these logs. Shown: what the ranks do report, and each rank's last line."
        )
    return None


def rank_grid(view: RunView, metric_index: int = 0, *, now: float | None = None) -> RankGrid:
    """The grid of ``view`` for its ``metric_index``-th available metric; ``now`` for a live
    run (last-line ages before now), None for one that ended (ages before its end)."""
    metrics = grid_metrics(view)
    ranks = _sorted_ranks({f.rank for f in view.files})
    behind = _ages(view)  # behind the newest file: a silent rank, live or not
    silent = {r for r, a in behind.items() if a is not None and a > SILENT_S}
    ages = _ages(view, now) if now is not None else behind
    live = now is not None
    note = _note(view, ranks)
    if not metrics:
        return RankGrid(None, ranks, ages=ages, silent=silent, note=note, live=live)
    metric = metrics[metric_index % len(metrics)]
    frame = _frame(view, metric)
    steps = frame.get_column("step").unique().sort().to_list()
    typical = frame.group_by("rank").agg(pl.col("v").median())
    medians = {_rank(r): v for r, v in typical.iter_rows()}
    ranks = _sorted_ranks(set(ranks) | set(medians))
    return RankGrid(metric, ranks, steps, frame, ages, _slow(frame), silent, note, live, medians)


def _buckets(steps: list[int], columns: int) -> pl.DataFrame:
    """step → column: every step its own column when they fit, else even runs of steps."""
    index = pl.Series("i", range(len(steps)), dtype=pl.Int64)
    if len(steps) <= columns:
        bucket = index
    else:
        per = len(steps) / columns
        starts = pl.Series([int(i * per) for i in range(columns)], dtype=pl.Int64)
        bucket = starts.search_sorted(index, side="right") - 1
    return pl.DataFrame({"step": pl.Series(steps, dtype=pl.Int64), "bucket": bucket})


def _cells(grid: RankGrid, buckets: pl.DataFrame, columns: int) -> dict[int, str]:
    """rank → one code per column (the cell's ratio to its column's median over ranks)."""
    ratio = pl.col("v") / pl.col("med")
    code = (
        pl.when(pl.col("med").is_null() | (pl.col("med") == 0))
        .then(pl.lit(NONE))
        .when(ratio <= 1.05)
        .then(pl.lit(OK))
        .when(ratio <= 1.15)
        .then(pl.lit(WARM))
        .otherwise(pl.lit(HOT))
    )
    cells = (
        grid.frame.join(buckets, on="step")
        .group_by("rank", "bucket")
        .agg(pl.col("v").max())
        .with_columns(med=pl.col("v").median().over("bucket"))
        .select("rank", "bucket", code.alias("code"))
    )
    ranks = pl.DataFrame({"rank": grid.frame.get_column("rank").unique()})
    grid_all = ranks.join(pl.DataFrame({"bucket": range(columns)}).cast(pl.Int64), how="cross")
    lines = (
        grid_all.join(cells, on=["rank", "bucket"], how="left")
        .with_columns(pl.col("code").fill_null(NONE))
        .sort("rank", "bucket")
        .group_by("rank", maintain_order=True)
        .agg(pl.col("code").str.join(""))
    )
    return dict(lines.iter_rows())


def heat_layout(grid: RankGrid, columns: int) -> HeatLayout:
    """The heatmap of ``grid`` at ``columns`` cells per row (fewer when there are fewer steps)."""
    columns = max(1, columns)
    buckets = _buckets(grid.steps, columns)
    used = min(columns, len(grid.steps))
    cells = _cells(grid, buckets, used) if used else {}
    rows = []
    for rank in grid.ranks:
        flag = "SLOW" if rank in grid.slow else ("SILENT" if rank in grid.silent else "")
        key = NO_RANK if rank is None else rank
        rows.append(
            HeatRow(
                rank,
                grid.typical.get(rank),
                grid.ages.get(rank),
                flag,
                cells.get(key, NONE * used),
            )
        )
    first = grid.steps[0] if grid.steps else None
    last = grid.steps[-1] if grid.steps else None
    return HeatLayout(used, first, last, tuple(rows), grid.live)
