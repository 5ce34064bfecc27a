"""Per-rank charts of runs with many ranks: the spread over ranks and the ranks furthest out.

A chart of a thousand rank lines is a solid block, and building it took seconds (one filter
per rank). What one wants from it is the band the ranks move in and which ranks leave it: with
more than MAX_RANK_LINES ranks, per-rank mode draws the per-step minimum, median and maximum
over ranks and the OUTLIERS ranks furthest from the median. Headless, in polars: a few passes
over the run's frame whatever the number of ranks.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from analyzer.tui.snapshot import RunView

#: Up to this many ranks, per-rank mode draws every rank.
MAX_RANK_LINES = 12
#: Beyond it: the spread, and at most this many ranks that stray furthest from the median.
OUTLIERS = 6
#: The steps column each step metric is drawn from.
STEP_COLUMNS = {"loss": "loss", "step_time": "step_time_ms", "throughput": "tflops"}


@dataclass(frozen=True)
class SpreadSeries:
    """One series of a many-rank chart: ``frame`` has step, value, timestamp, step_time_ms."""

    label: str
    frame: pl.DataFrame
    #: "min", "median", "max" or "rank".
    role: str
    rank: int | None = None


def memory_by(
    memory: pl.DataFrame, steps: pl.DataFrame, metric: str, keys: tuple[str, ...]
) -> pl.DataFrame:
    """The largest report of ``metric`` per ``keys`` (value, timestamp, a null step_time_ms);
    reports without a step (end-of-run summaries) sit at the run's last step, 0 when none."""
    last = steps.get_column("step").max() if steps.height else None
    return (
        memory.filter(pl.col("metric") == metric)
        .with_columns(pl.col("step").fill_null(pl.lit(last or 0, pl.Int64)))
        .group_by(*keys)
        .agg(pl.col("mb").max().alias("value"), pl.col("timestamp").max())
        .with_columns(pl.lit(None, dtype=pl.Float64).alias("step_time_ms"))
    )


def rank_values(view: RunView, metric: str, memory_metric: str | None) -> pl.DataFrame:
    """rank, step, value, timestamp, step_time_ms: one row per rank and step (the last
    printed; memory: the largest report, end-of-run reports at the last step)."""
    if metric == "memory":
        frame = memory_by(view.memory, view.steps, memory_metric or "", ("rank", "step"))
    else:
        frame = (
            view.steps.filter(pl.col("step").is_not_null())
            .select(
                "rank",
                "step",
                pl.col(STEP_COLUMNS[metric]).alias("value"),
                "timestamp",
                "step_time_ms",
            )
            .unique(["rank", "step"], keep="last", maintain_order=True)
        )
    return frame.sort("rank", "step", nulls_last=True)


def _spread(values: pl.DataFrame) -> pl.DataFrame:
    return (
        values.group_by("step")
        .agg(
            pl.col("value").min().alias("min"),
            pl.col("value").median().alias("median"),
            pl.col("value").max().alias("max"),
            pl.col("timestamp").max(),
            pl.col("step_time_ms").median(),
        )
        .sort("step")
    )


def outlier_ranks(values: pl.DataFrame, count: int = OUTLIERS) -> list[int | None]:
    """The ``count`` ranks whose typical distance from the per-step median over ranks (as a
    fraction of it) is largest; ranks that never leave the median are none of them."""
    finite = values.filter(pl.col("value").is_finite())
    med = pl.col("value").median().over("step")
    scores = (
        finite.with_columns(med=med)
        .filter(pl.col("med") != 0)
        .group_by("rank")
        .agg(((pl.col("value") / pl.col("med")) - 1).abs().median().alias("score"))
        .filter(pl.col("score") > 1e-9)
        .sort(["score", "rank"], descending=[True, False], nulls_last=True)
        .head(count)
    )
    return scores.get_column("rank").to_list()


def spread_series(values: pl.DataFrame, count: int = OUTLIERS) -> list[SpreadSeries]:
    """min, max, median over ranks per step, then the outlier ranks (drawn in that order)."""
    ranks = values.get_column("rank").n_unique()
    spread = _spread(values)
    rest = [pl.col("step"), pl.col("timestamp"), pl.col("step_time_ms")]
    out = [
        SpreadSeries(
            f"{role} of {ranks} ranks", spread.select(pl.col(role).alias("value"), *rest), role
        )
        for role in ("min", "max", "median")
    ]
    for rank in outlier_ranks(values, count):
        frame = (
            values.filter(pl.col("rank") == rank)
            if rank is not None
            else values.filter(pl.col("rank").is_null())
        )
        out.append(SpreadSeries(f"rank {rank}", frame.drop("rank"), "rank", rank))
    return out
