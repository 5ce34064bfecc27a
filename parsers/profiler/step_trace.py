"""step_trace_time.csv (per rank) and cluster_step_trace_time.csv (msprof-analyze).

Per rank (torch_npu / MindSpore ``ASCEND_PROFILER_OUTPUT``): ``Step, Computing,
Communication(Not Overlapped), Overlapped, Communication, Free, Stage, Bubble,
Communication(Not Overlapped and Exclude Receive), Preparing``; times in us.
Cluster (msprof-analyze ``cluster_analyse``): the same columns after ``Step, Type, Index``
where Type is ``rank`` (Index = rank id) or ``stage`` (Index = a tuple of ranks; values are
the maximum over the stage's ranks), optionally followed by ``DP Index, PP Index, TP Index``.
"""

from __future__ import annotations

import re

import polars as pl

from parsers.profiler.columns import numeric, pick_column, text

# canonical name → header aliases as the tools write them
TIME_COLUMNS: dict[str, tuple[str, ...]] = {
    "computing_us": ("Computing",),
    "communication_not_overlapped_us": ("Communication(Not Overlapped)",),
    "overlapped_us": ("Overlapped",),
    "communication_us": ("Communication",),
    "free_us": ("Free",),
    "stage_us": ("Stage",),
    "bubble_us": ("Bubble",),
    "communication_not_overlapped_exclude_receive_us": (
        "Communication(Not Overlapped and Exclude Receive)",
    ),
    "preparing_us": ("Preparing",),
}
INDEX_COLUMNS = {"dp_index": "DP Index", "pp_index": "PP Index", "tp_index": "TP Index"}
STEP_COLUMNS = ["rank", "step", "type", "stage_ranks", *TIME_COLUMNS, *INDEX_COLUMNS]
_SCHEMA = {
    "rank": pl.Int64,
    "step": pl.Int64,
    "type": pl.String,
    "stage_ranks": pl.String,
    **dict.fromkeys(TIME_COLUMNS, pl.Float64),
    **dict.fromkeys(INDEX_COLUMNS, pl.Int64),
}
_DIGITS = re.compile(r"-?\d+")


def empty_steps() -> pl.DataFrame:
    return pl.DataFrame(schema=_SCHEMA)


def _stage_ranks(index: str | None) -> str | None:
    """``"(0, 1, 2)"`` → ``"0,1,2"``; None when it is not a tuple of ranks."""
    if index is None or "(" not in index:
        return None
    return ",".join(_DIGITS.findall(index))


def step_trace_frame(raw: pl.DataFrame, rank: int | None = None) -> pl.DataFrame:
    """A step trace table (all-text columns) → one row per (type, rank or stage, step).

    Raises ValueError when no time column is found (the caller notes and skips the file).
    """
    cols = raw.columns
    found = {k: pick_column(cols, *a) for k, a in TIME_COLUMNS.items()}
    if not any(found.values()):
        raise ValueError("no step trace time columns (Computing, Free, ...) in the header")
    step_col = pick_column(cols, "Step", "Step Id")
    type_col = pick_column(cols, "Type")
    index_col = pick_column(cols, "Index")
    exprs: list[pl.Expr] = [
        (numeric(step_col).cast(pl.Int64) if step_col else pl.lit(None, pl.Int64)).alias("step"),
    ]
    if type_col and index_col:
        exprs += [text(type_col).str.to_lowercase().alias("type"), text(index_col).alias("_index")]
    else:
        exprs += [pl.lit("rank").alias("type"), pl.lit(None, pl.String).alias("_index")]
    for key, col in found.items():
        exprs.append(numeric(col).alias(key) if col else pl.lit(None, pl.Float64).alias(key))
    for key, header in INDEX_COLUMNS.items():
        col = pick_column(cols, header)
        exprs.append((numeric(col).cast(pl.Int64) if col else pl.lit(None, pl.Int64)).alias(key))
    df = raw.select(exprs)
    df = df.with_columns(
        pl.when(pl.col("type") == "rank")
        .then(pl.col("_index").cast(pl.Int64, strict=False))
        .otherwise(None if rank is None else pl.lit(rank))
        .alias("rank")
        if type_col
        else pl.lit(rank, pl.Int64).alias("rank"),
        pl.col("_index").map_elements(_stage_ranks, return_dtype=pl.String).alias("stage_ranks"),
    )
    return df.select([pl.col(c).cast(t).alias(c) for c, t in _SCHEMA.items()])
