"""Per-rank, per-step time breakdown and its grouping by pipeline stage.

Vocabulary of msprof-analyze's step trace: Computing, Communication(Not Overlapped),
Overlapped, Free, Stage, Bubble; a step lasts Computing + Communication(Not Overlapped) + Free
(the rows of cluster_step_trace_time.csv add up to their Stage column).
"""

from __future__ import annotations

import polars as pl

from parsers.profiler.step_trace import STEP_COLUMNS, empty_steps

TIMES = (
    "computing_us",
    "communication_not_overlapped_us",
    "overlapped_us",
    "communication_us",
    "free_us",
    "bubble_us",
    "stage_us",
)
SHARES = ("computing_us", "communication_not_overlapped_us", "free_us", "bubble_us")
LABELS = {
    "computing_us": "Computing",
    "communication_not_overlapped_us": "Communication(Not Overlapped)",
    "overlapped_us": "Overlapped",
    "communication_us": "Communication",
    "free_us": "Free",
    "bubble_us": "Bubble",
    "stage_us": "Stage",
    "step_us": "Step",
}
_TRACE_NAMES = {
    "Computing": "computing_us",
    "Communication": "communication_us",
    "Communication(Not Overlapped)": "communication_not_overlapped_us",
    "Free": "free_us",
}


def steps_from_trace(overlap: pl.DataFrame) -> pl.DataFrame:
    """trace_view's Overlap Analysis totals (``rank, step, name, total_us``) → step rows."""
    if overlap.is_empty():
        return empty_steps()
    wide = overlap.with_columns(pl.col("name").replace_strict(_TRACE_NAMES, default=None)).filter(
        pl.col("name").is_not_null()
    )
    wide = wide.pivot(
        on="name", index=["rank", "step"], values="total_us", aggregate_function="sum"
    )
    for col in _TRACE_NAMES.values():
        if col not in wide.columns:
            wide = wide.with_columns(pl.lit(None, pl.Float64).alias(col))
    wide = wide.with_columns(
        (pl.col("communication_us") - pl.col("communication_not_overlapped_us")).alias(
            "overlapped_us"
        ),
        pl.lit("rank").alias("type"),
    )
    base = empty_steps()
    return pl.concat(
        [base, wide.select([c for c in STEP_COLUMNS if c in wide.columns])], how="diagonal_relaxed"
    )


def rank_rows(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """Rank rows of one run's step traces, one per (rank, step): the first source wins (a
    rank's step_trace_time.csv before trace_view's Overlap Analysis). Empty frames keep the
    columns (a CSV header)."""
    rows = [f.filter(pl.col("type") == "rank") for f in frames if not f.is_empty()]
    df = (
        pl.concat(rows, how="diagonal_relaxed").unique(["rank", "step"], keep="first")
        if rows
        else empty_steps()
    )
    df = df.with_columns(
        (
            pl.col("computing_us").fill_null(0)
            + pl.col("communication_not_overlapped_us").fill_null(0)
            + pl.col("free_us").fill_null(0)
        ).alias("step_us")
    )
    shares = [
        (pl.col(c) / pl.col("step_us") * 100).round(2).alias(c.replace("_us", "_pct"))
        for c in SHARES
    ]
    return df.with_columns(shares).drop("type", "stage_ranks").sort("step", "rank", nulls_last=True)


def stage_map(
    frames: list[pl.DataFrame], groups: list[list[int]], ranks: pl.DataFrame
) -> dict[int, int]:
    """rank → pipeline stage index: from cluster stage rows, profiler metadata, or PP Index."""
    tuples: list[list[int]] = []
    for f in frames:
        for value in (
            f.filter(pl.col("type") == "stage")["stage_ranks"]
            .drop_nulls()
            .unique(maintain_order=True)
        ):
            members = [int(x) for x in value.split(",") if x]
            if members and members not in tuples:
                tuples.append(members)
    tuples = tuples or groups
    if tuples:
        return {r: i for i, members in enumerate(tuples) for r in members}
    if "pp_index" in ranks.columns and ranks["pp_index"].drop_nulls().len():
        return {r: int(p) for r, p in ranks.select("rank", "pp_index").drop_nulls().iter_rows()}
    return {}


def with_stages(ranks: pl.DataFrame, mapping: dict[int, int]) -> pl.DataFrame:
    stage = pl.col("rank").replace_strict(mapping, default=None, return_dtype=pl.Int64)
    return ranks.with_columns((stage if mapping else pl.lit(0, pl.Int64)).alias("stage"))


def stage_table(ranks: pl.DataFrame) -> pl.DataFrame:
    """Per (stage, step): the slowest rank's times (as msprof-analyze's stage rows: maxima)."""
    if ranks.is_empty():
        return pl.DataFrame()
    cols = [c for c in (*TIMES, "step_us") if c in ranks.columns]
    return (
        ranks.group_by("stage", "step")
        .agg(
            pl.col("rank").sort().cast(pl.String).str.join(",").alias("ranks"),
            *[pl.col(c).max() for c in cols],
        )
        .sort("step", "stage", nulls_last=True)
    )
