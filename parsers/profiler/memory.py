"""memory_record.csv and operator_memory.csv (ASCEND_PROFILER_OUTPUT, profile_memory on).

memory_record.csv (torch_npu): ``Component, Timestamp(us), Total Allocated(MB),
Total Reserved(MB), Total Active(MB), Stream Ptr, Device Type``; components such as PTA, GE,
PTA+GE, APP. The CANN-level memory_record_*.csv writes ``Total Allocated(KB)`` /
``Total Reserved(KB)`` and ``Device``; MindSpore's CPU profiler writes
``FRAMEWORK/cpu_ms_memory_record_N.txt`` as ``Timestamp(ns), Total Allocated(Byte),
Total Reserved(Byte), Total Active(Byte)``. Units are read from the header and converted.
operator_memory.csv: ``Name, Size(KB), Allocation Time(us), Release Time(us), Duration(us),
...``.
"""

from __future__ import annotations

import polars as pl

from parsers.profiler.columns import numeric, pick_column, text

MEMORY_SCHEMA = {
    "rank": pl.Int64,
    "component": pl.String,
    "timestamp_us": pl.Float64,
    "allocated_mb": pl.Float64,
    "reserved_mb": pl.Float64,
    "active_mb": pl.Float64,
    "device": pl.String,
}


def _mb(cols: list[str], label: str) -> pl.Expr:
    """``Total <label>(MB)`` as is, ``(KB)`` / ``(GB)`` converted to MB; null when absent."""
    units = (
        ("MB", 1.0),
        ("KB", 1 / 1024),
        ("GB", 1024.0),
        ("Byte", 1 / 1048576),
        ("B", 1 / 1048576),
    )
    for unit, factor in units:
        col = pick_column(cols, f"Total {label}({unit})")
        if col:
            return numeric(col) * factor
    return pl.lit(None, pl.Float64)


def memory_record_frame(raw: pl.DataFrame, rank: int | None = None) -> pl.DataFrame:
    """memory_record rows → ``rank, component, timestamp_us, allocated/reserved/active_mb``."""
    cols = raw.columns
    ts = pick_column(cols, "Timestamp(us)", "Timestamp")
    scale = 1.0
    if not ts:
        ts, scale = pick_column(cols, "Timestamp(ns)"), 1e-3
    if not ts:
        raise ValueError("no Timestamp(us) column in the header")
    comp = pick_column(cols, "Component")
    dev = pick_column(cols, "Device Type", "Device")
    out = raw.select(
        pl.lit(rank, pl.Int64).alias("rank"),
        (text(comp) if comp else pl.lit("all")).alias("component"),
        (numeric(ts) * scale).alias("timestamp_us"),
        _mb(cols, "Allocated").alias("allocated_mb"),
        _mb(cols, "Reserved").alias("reserved_mb"),
        _mb(cols, "Active").alias("active_mb"),
        (text(dev) if dev else pl.lit(None, pl.String)).alias("device"),
    )
    return out.filter(pl.col("timestamp_us").is_not_null()).sort("timestamp_us")


def operator_memory_frame(raw: pl.DataFrame, rank: int | None = None) -> pl.DataFrame:
    """operator_memory rows → ``rank, name, size_mb, allocation_us, duration_us``."""
    cols = raw.columns
    name = pick_column(cols, "Name")
    size = pick_column(cols, "Size(KB)", "Size(MB)")
    if not name or not size:
        raise ValueError("no Name / Size(KB) columns in the header")
    factor = 1 / 1024 if size.strip().upper().endswith("(KB)") else 1.0
    alloc = pick_column(cols, "Allocation Time(us)")
    dur = pick_column(cols, "Duration(us)")
    return raw.select(
        pl.lit(rank, pl.Int64).alias("rank"),
        text(name).alias("name"),
        (numeric(size) * factor).alias("size_mb"),
        (numeric(alloc) if alloc else pl.lit(None, pl.Float64)).alias("allocation_us"),
        (numeric(dur) if dur else pl.lit(None, pl.Float64)).alias("duration_us"),
    )
