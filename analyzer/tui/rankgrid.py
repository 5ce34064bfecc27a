"""The rank × step grid of one run: what each rank reports over time, slow and silent ranks.

Headless (no Textual). Each cell is the largest value a rank reported within a bucket of steps
(a straggler shows as the high value); a rank is slow when its typical ratio to the per-step
median of all ranks is high, silent when its file stopped growing well before the others.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

import polars as pl

from analyzer.tui.chartdata import memory_metric
from analyzer.tui.snapshot import RunView

SLOW_RATIO = 1.10
SILENT_S = 60.0


@dataclass(frozen=True)
class GridMetric:
    key: str  # "step_time", "memory", or "timer:<name>"
    label: str


@dataclass
class RankGrid:
    metric: GridMetric | None
    ranks: list[int | None]
    steps: list[int] = field(default_factory=list)
    values: dict[int | None, dict[int, float]] = field(default_factory=dict)
    ages: dict[int | None, float | None] = field(default_factory=dict)
    slow: set[int | None] = field(default_factory=set)
    silent: set[int | None] = field(default_factory=set)
    note: str | None = None
    #: True: ``ages`` are seconds before now (a live run); False: before the run's end.
    live: bool = False


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
    return f.drop_nulls(["step", "v"])


def _ages(view: RunView, now: float | None = None) -> dict[int | None, float | None]:
    """Seconds from each rank's last line (its file's mtime) to ``now``, or to the run's end
    (its newest file) when ``now`` is None."""
    times = [f.mtime for f in view.files if f.mtime is not None]
    ref = now if now is not None else (max(times) if times else None)
    ages: dict[int | None, float | None] = {}
    for f in view.files:
        ages[f.rank] = None if f.mtime is None or ref is None else max(0.0, ref - f.mtime)
    return ages


def _slow(values: dict[int | None, dict[int, float]], steps: list[int]) -> set[int | None]:
    ratios: dict[int | None, list[float]] = {r: [] for r in values}
    for s in steps:
        col = {r: v[s] for r, v in values.items() if s in v}
        if len(col) < 2:
            continue
        med = statistics.median(col.values())
        for r, v in col.items():
            if med > 0:
                ratios[r].append(v / med)
    return {r for r, rs in ratios.items() if rs and statistics.median(rs) > SLOW_RATIO}


def rank_grid(view: RunView, metric_index: int = 0, *, now: float | None = None) -> RankGrid:
    """The grid of ``view`` for its ``metric_index``-th available metric; ``now`` for a live
    run (last-line ages before now), None for one that ended (ages before its end)."""
    metrics = grid_metrics(view)
    ranks = sorted({f.rank for f in view.files}, key=lambda r: (r is None, r or 0))
    behind = _ages(view)  # behind the newest file: a silent rank, live or not
    silent = {r for r, a in behind.items() if a is not None and a > SILENT_S}
    ages = _ages(view, now) if now is not None else behind
    live = now is not None
    step_ranks = set(view.steps.get_column("rank").drop_nulls().to_list())
    note = None
    if len(step_ranks) == 1 and len([r for r in ranks if r is not None]) > 1:
        (only,) = step_ranks
        note = (
            f"Only rank {only} prints iteration lines (Megatron-style logging): per-rank step "
            "times are not in these logs. Shown: what the ranks do report, and each rank's last line."
        )
    if not metrics:
        return RankGrid(None, ranks, ages=ages, silent=silent, note=note, live=live)
    metric = metrics[metric_index % len(metrics)]
    frame = _frame(view, metric).group_by("rank", "step").agg(pl.col("v").max())
    values: dict[int | None, dict[int, float]] = {}
    for rank, step, v in frame.iter_rows():
        values.setdefault(rank, {})[step] = v
    steps = sorted({s for v in values.values() for s in v})
    ranks = sorted(set(ranks) | set(values), key=lambda r: (r is None, r or 0))
    slow = _slow(values, steps)
    return RankGrid(metric, ranks, steps, values, ages, slow, silent, note, live)
