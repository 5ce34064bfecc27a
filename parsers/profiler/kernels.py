"""kernel_details.csv and op_statistic.csv (ASCEND_PROFILER_OUTPUT).

kernel_details.csv, 2023 columns: ``Step Id, Model ID, Task ID, Stream ID, Name, Type,
Accelerator Core, Start Time(us), Duration(us), Wait Time(us), Block Dim, ...`` with aic_/aiv_
PMU columns; 2025 adds ``OP State``, ``HF32 Eligible`` and writes ``Start Time(us)`` quoted
with a TAB inside. Old msprof op_summary-style files have only ``Name, Type, Accelerator Core,
Start Time(us), Duration(us), Wait Time(us), Block Dim``. Communication kernels carry
Accelerator Core ``HCCL`` and types ``hcom_*``.
op_statistic.csv: ``OP Type, Core Type, Count, Total Time(us), Min Time(us), Avg Time(us),
Max Time(us), Ratio(%)``; MindSpore's CPU profiler writes the same as
``FRAMEWORK/cpu_op_type_info_N.csv``: ``op_type, type_occurrences, execution_frequency(per-step),
total_compute_time, avg_time(ms), percent`` (times in ms).
"""

from __future__ import annotations

import polars as pl

from parsers.profiler.columns import numeric, pick_column, text

KERNEL_SCHEMA = {
    "rank": pl.Int64,
    "step": pl.Int64,
    "name": pl.String,
    "type": pl.String,
    "core": pl.String,
    "start_us": pl.Float64,
    "duration_us": pl.Float64,
    "wait_us": pl.Float64,
    "is_communication": pl.Boolean,
}


def _opt_text(cols: list[str], *aliases: str) -> pl.Expr:
    col = pick_column(cols, *aliases)
    return text(col) if col else pl.lit(None, pl.String)


def _opt_num(cols: list[str], *aliases: str) -> pl.Expr:
    col = pick_column(cols, *aliases)
    return numeric(col) if col else pl.lit(None, pl.Float64)


# Collective and point-to-point operators by their type (a whole word: ``ReduceSum``,
# ``BroadcastTo``, ``Gather`` or ``SendGrad`` are not communication).
_COLLECTIVES = (
    r"all_?reduce|all_?gather(?:_?v)?|reduce_?scatter(?:_?v)?|broadcast|send|i?recv|receive"
    r"|all_?to_?all(?:_?v[2c]?)?|barrier|batch_?i?send_?i?recv|neighbor_?exchange(?:_?v2)?"
    r"|collective_?permute"
)
#: HCCL/NCCL/Gloo kernels and ops (``hcom_allReduce_``, ``HcclAllGather``, ``ncclKernel_*``,
#: ``nccl:all_reduce``), torch's ``c10d::*`` and ``record_param_comms``, and MindSpore's
#: operator types (``AllReduce``, ``AllGather``, ``ReduceScatter``, ``Broadcast``, ``Send``,
#: ``Receive``, ``AlltoAll``, ...), matched on the name without its scope and ``-opN``.
COMMUNICATION = rf"(?i)^(?:hcom|hccl|nccl|gloo|c10d::|record_param_comms$|_?(?:{_COLLECTIVES})_?$)"


def op_type_of_name(name: pl.Expr) -> pl.Expr:
    """MindSpore's operator type from a full op name: ``Default/net/AllReduce-op12`` →
    ``AllReduce`` (scope and ``-opN`` suffix dropped)."""
    return name.str.replace(r"^.*/", "").str.replace(r"-op\d+(?:_\d+)*$", "")


def is_communication_op(name_or_type: pl.Expr) -> pl.Expr:
    """True for a communication operator's name or type (see :data:`COMMUNICATION`)."""
    return op_type_of_name(name_or_type.fill_null("")).str.contains(COMMUNICATION)


def is_communication(name: pl.Expr, type_: pl.Expr, core: pl.Expr) -> pl.Expr:
    """HCCL kernels: Accelerator Core ``HCCL``, or a communication name or type."""
    return (
        (core.fill_null("").str.to_uppercase() == "HCCL")
        | is_communication_op(type_)
        | is_communication_op(name)
    )


def kernel_frame(raw: pl.LazyFrame | pl.DataFrame, rank: int | None = None) -> pl.LazyFrame:
    """kernel_details rows (all-text columns) → canonical kernel rows, lazily.

    Raises ValueError when there is no Name or Duration(us) column.
    """
    lf = raw.lazy()
    cols = lf.collect_schema().names()
    name_col = pick_column(cols, "Name", "Op Name", "OP Name")
    dur_col = pick_column(cols, "Duration(us)", "Task Duration(us)")
    if not name_col or not dur_col:
        raise ValueError("no Name / Duration(us) columns in the header")
    step = pick_column(cols, "Step Id", "Step ID", "Step")
    out = lf.select(
        pl.lit(rank, pl.Int64).alias("rank"),
        (numeric(step).cast(pl.Int64) if step else pl.lit(None, pl.Int64)).alias("step"),
        text(name_col).alias("name"),
        _opt_text(cols, "Type", "OP Type", "Op Type").alias("type"),
        _opt_text(cols, "Accelerator Core", "Task Type", "Core Type").alias("core"),
        _opt_num(cols, "Start Time(us)", "Task Start Time(us)").alias("start_us"),
        numeric(dur_col).alias("duration_us"),
        _opt_num(cols, "Wait Time(us)").alias("wait_us"),
    )
    return out.with_columns(
        pl.col("type").replace("N/A", None),
        is_communication(pl.col("name"), pl.col("type"), pl.col("core")).alias("is_communication"),
    )


def op_statistic_frame(raw: pl.DataFrame, rank: int | None = None) -> pl.DataFrame:
    """op_statistic rows → ``rank, type, core, count, total_us, mean_us, max_us``."""
    cols = raw.columns
    type_col = pick_column(cols, "OP Type", "Op Type", "Type", "op_type")
    total, scale = pick_column(cols, "Total Time(us)", "Total Time"), 1.0
    if not total:  # MindSpore's cpu_op_type_info: milliseconds
        total, scale = pick_column(cols, "total_compute_time", "total_time(ms)"), 1000.0
    if not type_col or not total:
        raise ValueError("no OP Type / Total Time(us) columns in the header")
    return raw.select(
        pl.lit(rank, pl.Int64).alias("rank"),
        text(type_col).alias("type"),
        _opt_text(cols, "Core Type").alias("core"),
        _opt_num(cols, "Count", "type_occurrences").cast(pl.Int64).alias("count"),
        (numeric(total) * scale).alias("total_us"),
        (
            _opt_num(cols, "Avg Time(us)", "avg_time(ms)")
            * (scale if not pick_column(cols, "Avg Time(us)") else 1.0)
        ).alias("mean_us"),
        _opt_num(cols, "Max Time(us)").alias("max_us"),
    )
