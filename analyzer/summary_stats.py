"""Vectorised per-run statistics over every run's step and memory frames.

Each run's steps are first reduced to the rank that reports them (a cheap filter, no group-by
over millions of rows), then one ``group_by`` over all runs computes the statistics.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from analyzer.store import RunData

_STEP_COLS = (
    "step",
    "total_steps",
    "loss",
    "step_time_ms",
    "tflops",
    "skipped",
    "nan_count",
    "global_batch_size",
)
MEMORY_METRICS = (
    "max_reserved",
    "reserved",
    "max_allocated",
    "allocated",
    "device_total",
    "framework_used",
    "peak_used",
    "peak_actual",
)


def reporting_steps(steps: pl.DataFrame) -> pl.DataFrame:
    """One row per step from one rank: the rank that logged the most steps (Megatron's last rank,
    ties going to the highest rank); a step logged twice (a resumed run) keeps its last line."""
    if steps.height == 0:
        return steps
    ranks = steps["rank"]
    if ranks.n_unique() > 1:
        counts = steps.group_by("rank").len().sort("len", "rank", descending=True, nulls_last=True)
        best = counts["rank"][0]
        steps = steps.filter(ranks.is_null() if best is None else ranks == best)
    if steps["step"].n_unique() != steps.height:
        steps = steps.unique("step", keep="last", maintain_order=True)
    return steps if steps["step"].is_sorted() else steps.sort("step")


def per_step(datas: Sequence[RunData]) -> pl.DataFrame:
    """One row per (run, step), from the rank that reports steps (see :func:`reporting_steps`)."""
    parts = [
        reporting_steps(d.steps.select("rank", *_STEP_COLS).filter(pl.col("step").is_not_null()))
        .drop("rank")
        .with_columns(run=pl.lit(d.name, pl.String))
        for d in datas
        if d.steps.height
    ]
    if not parts:
        return pl.DataFrame(schema={"run": pl.String, "step": pl.Int64})
    return pl.concat(parts, how="vertical_relaxed")


def warmup_for(n_steps: int, warmup: int | None) -> int:
    """Steps left out of medians: the given number, or max(1, 10%); never all of them."""
    w = max(1, n_steps // 10) if warmup is None else max(0, warmup)
    return w if w < n_steps else 0


def step_summary(steps: pl.DataFrame, warmup: int | None) -> dict[str, dict]:
    """Per run: counts, warm-up, p50/p90 step time, median TFLOP/s, losses, NaN and skipped counts."""
    if steps.height == 0:
        return {}
    counts = steps.group_by("run").len()
    w_map = {r: warmup_for(n, warmup) for r, n in counts.iter_rows()}
    w_frame = pl.DataFrame({"run": list(w_map), "warmup_steps": list(w_map.values())})
    ranked = steps.with_columns(idx=pl.int_range(pl.len()).over("run")).join(w_frame, on="run")
    good_loss = pl.col("loss").filter(pl.col("loss").is_finite())
    totals = ranked.group_by("run").agg(
        steps=pl.len(),
        last_step=pl.col("step").max(),
        total_steps=pl.col("total_steps").max(),
        loss_final=good_loss.last(),
        loss_min=good_loss.min(),
        nan_from_lines=pl.col("nan_count").sum(),
        nan_lines_known=pl.col("nan_count").is_not_null().any(),
        nan_losses=(~pl.col("loss").is_finite()).sum(),
        skipped_count=pl.col("skipped").sum(),
        skipped_known=pl.col("skipped").is_not_null().any(),
        global_batch_size=pl.col("global_batch_size").median(),
        warmup_steps=pl.col("warmup_steps").first(),
    )
    measured = (
        ranked.filter(pl.col("idx") >= pl.col("warmup_steps"))
        .group_by("run")
        .agg(
            step_time_ms_median=pl.col("step_time_ms").median(),
            step_time_ms_p90=pl.col("step_time_ms").quantile(0.9, "linear"),
            tflops_median=pl.col("tflops").median(),
        )
    )
    out = totals.join(measured, on="run", how="left")
    return {row["run"]: row for row in out.iter_rows(named=True)}


def memory_summary(datas: Sequence[RunData]) -> dict[str, dict[str, float]]:
    """Per run, per metric: the maximum over ranks and reports."""
    parts = [
        d.memory.select("metric", "mb").with_columns(run=pl.lit(d.name, pl.String))
        for d in datas
        if d.memory.height
    ]
    if not parts:
        return {}
    mem = (
        pl.concat(parts)
        .filter(pl.col("mb").is_finite())
        .group_by("run", "metric")
        .agg(pl.col("mb").max())
    )
    out: dict[str, dict[str, float]] = {}
    for run, metric, mb in mem.iter_rows():
        out.setdefault(run, {})[metric] = mb
    return out
