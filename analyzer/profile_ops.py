"""Top operators, the share of communication, bandwidth per link type, slow links, memory.

Kernel rows come from kernel_details.csv (preferred), else trace_view's ``Ascend Hardware``
process, else op_statistic.csv (types only). Bandwidth is transit size over transit time per
link type (HCCS, RDMA, PCIE, SDMA, SIO); MB/ms is GB/s, as msprof-analyze computes it.
"""

from __future__ import annotations

import polars as pl

TOP_SCHEMA = {
    "name": pl.String,
    "type": pl.String,
    "count": pl.Int64,
    "total_us": pl.Float64,
    "mean_us": pl.Float64,
    "share_pct": pl.Float64,
    "ranks": pl.Int64,
    "is_communication": pl.Boolean,
}


def _ranked(agg: pl.DataFrame, total: float, limit: int) -> pl.DataFrame:
    return (
        agg.with_columns(
            (pl.col("total_us") / pl.col("count")).alias("mean_us"),
            (pl.col("total_us") / total * 100 if total else pl.lit(None, pl.Float64)).alias(
                "share_pct"
            ),
        )
        .sort("total_us", descending=True)
        .head(limit)
    )


def top_from_kernels(
    kernels: pl.LazyFrame, limit: int = 50
) -> tuple[pl.DataFrame, pl.DataFrame, dict]:
    """(by name, by type, communication summary) over every rank's kernel rows."""
    agg = (
        kernels.group_by("name", "type")
        .agg(
            pl.len().cast(pl.Int64).alias("count"),
            pl.col("duration_us").sum().alias("total_us"),
            pl.col("rank").n_unique().cast(pl.Int64).alias("ranks"),
            pl.col("is_communication").any().alias("is_communication"),
        )
        .collect()
    )
    total = float(agg["total_us"].sum() or 0.0)
    by_name = _ranked(agg, total, limit).select(list(TOP_SCHEMA))
    by_type = _ranked(
        agg.group_by(pl.col("type").fill_null("(none)")).agg(
            pl.col("count").sum(),
            pl.col("total_us").sum(),
            pl.col("is_communication").any(),
        ),
        total,
        limit,
    )
    comm = agg.filter(pl.col("is_communication"))
    comm_total = float(comm["total_us"].sum() or 0.0)
    summary = {
        "kernel_total_us": round(total, 3),
        "communication_total_us": round(comm_total, 3),
        "communication_share_pct": round(comm_total / total * 100, 2) if total else None,
        "communication_ops": int(comm["count"].sum() or 0),
        "kernels": int(agg["count"].sum() or 0),
    }
    return by_name, by_type, summary


DEVICE_PROCESSES = ("Ascend Hardware", "CPU OP")


def kernels_from_trace(totals: pl.DataFrame) -> pl.LazyFrame:
    """trace_view per-name totals of the device process → kernel-like rows.

    ``Ascend Hardware`` on an NPU; ``CPU OP`` is what MindSpore's profiler writes on the CPU.
    """
    procs = set(totals["process"].to_list())
    device = next((p for p in DEVICE_PROCESSES if p in procs), DEVICE_PROCESSES[0])
    hw = totals.filter(pl.col("process") == device)
    return hw.lazy().select(
        pl.col("rank").cast(pl.Int64),
        pl.col("name"),
        pl.lit(None, pl.String).alias("type"),
        pl.col("total_us").alias("duration_us"),
        pl.col("name").str.contains(r"(?i)^(hcom_|hccl)").alias("is_communication"),
        pl.col("count"),
    )


def top_from_trace(hw: pl.LazyFrame, limit: int = 50) -> tuple[pl.DataFrame, pl.DataFrame, dict]:
    """Like :func:`top_from_kernels` but rows are already (name, count, total) sums."""
    agg = (
        hw.group_by("name", "type")
        .agg(
            pl.col("count").sum().cast(pl.Int64),
            pl.col("duration_us").sum().alias("total_us"),
            pl.col("rank").n_unique().cast(pl.Int64).alias("ranks"),
            pl.col("is_communication").any(),
        )
        .collect()
    )
    total = float(agg["total_us"].sum() or 0.0)
    comm_total = float(agg.filter(pl.col("is_communication"))["total_us"].sum() or 0.0)
    summary = {
        "kernel_total_us": round(total, 3),
        "communication_total_us": round(comm_total, 3),
        "communication_share_pct": round(comm_total / total * 100, 2) if total else None,
    }
    return _ranked(agg, total, limit).select(list(TOP_SCHEMA)), pl.DataFrame(), summary


def types_from_op_statistic(stats: pl.DataFrame, limit: int = 50) -> pl.DataFrame:
    agg = stats.group_by("type").agg(
        pl.col("count").sum(), pl.col("total_us").sum(), pl.col("rank").n_unique().alias("ranks")
    )
    return _ranked(agg, float(agg["total_us"].sum() or 0.0), limit)


def bandwidth_by_link(bw: pl.DataFrame) -> pl.DataFrame:
    """Transit size and time summed per link type; bandwidth = MB / ms = GB/s."""
    if bw.is_empty():
        return pl.DataFrame()
    return (
        bw.filter(pl.col("size_mb").fill_null(0) > 0)
        .group_by("link_type")
        .agg(
            pl.col("size_mb").sum(),
            pl.col("time_ms").sum(),
            pl.col("op").n_unique().alias("ops"),
            pl.col("rank").n_unique().alias("ranks"),
        )
        .with_columns(
            pl.when(pl.col("time_ms") > 0)
            .then(pl.col("size_mb") / pl.col("time_ms"))
            .alias("bandwidth_gbps")
        )
        .sort("size_mb", descending=True)
    )


def slow_links(matrix: pl.DataFrame, limit: int = 10) -> pl.DataFrame:
    """Rank pairs with the lowest bandwidth (self links and empty transfers left out).

    The tools' own ``Total Op Info`` rows are used when present; otherwise every op is
    summed except msprof-analyze's ``-top``/``-middle``/``-bottom`` digests of the same ops.
    """
    if matrix.is_empty():
        return pl.DataFrame()
    totals = matrix.filter(pl.col("op").fill_null("").str.starts_with("Total"))
    rows = (
        totals
        if not totals.is_empty()
        else matrix.filter(
            ~pl.col("op").fill_null("").str.contains(r"-(top|middle|bottom)\d*(@|$)")
        )
    )
    rows = rows.filter((pl.col("src") != pl.col("dst")) & (pl.col("size_mb").fill_null(0) > 0))
    return (
        rows.group_by("src", "dst", "transport")
        .agg(pl.col("size_mb").sum(), pl.col("time_ms").sum())
        .with_columns(
            pl.when(pl.col("time_ms") > 0)
            .then(pl.col("size_mb") / pl.col("time_ms"))
            .alias("bandwidth_gbps")
        )
        .sort("bandwidth_gbps", nulls_last=True)
        .head(limit)
    )


def memory_peaks(memory: pl.DataFrame) -> pl.DataFrame:
    """Per rank and component: samples, span and the peak allocated / reserved, with its time."""
    if memory.is_empty():
        return pl.DataFrame()
    return (
        memory.group_by("rank", "component")
        .agg(
            pl.len().alias("samples"),
            pl.col("allocated_mb").max().alias("peak_allocated_mb"),
            pl.col("timestamp_us")
            .sort_by(pl.col("allocated_mb").fill_null(-1.0))
            .last()
            .alias("peak_at_us"),
            pl.col("reserved_mb").max().alias("peak_reserved_mb"),
            pl.col("active_mb").max().alias("peak_active_mb"),
            (pl.col("timestamp_us").max() - pl.col("timestamp_us").min()).alias("span_us"),
        )
        .sort("rank", "component", nulls_last=True)
    )


def memory_series(memory: pl.DataFrame, points: int = 200) -> list[dict]:
    """Memory over time per (rank, component), at most ``points`` samples each (every n-th
    sample plus the peak): ``[{rank, component, t_ms, allocated_mb, reserved_mb}]`` with t_ms
    relative to the rank's first sample."""
    if memory.is_empty():
        return []
    out = []
    for (rank, comp), g in memory.sort("timestamp_us").group_by(
        ["rank", "component"], maintain_order=True
    ):
        step = max(1, g.height // points)
        peak = g["allocated_mb"].fill_null(-1.0).arg_max() or 0
        idx = sorted(set(range(0, g.height, step)) | {peak, g.height - 1})
        sub = g[idx]
        t0 = float(g["timestamp_us"][0])
        out.append(
            {
                "rank": rank,
                "component": comp,
                "t_ms": [round((t - t0) / 1000, 3) for t in sub["timestamp_us"].to_list()],
                "allocated_mb": sub["allocated_mb"].round(3).to_list(),
                "reserved_mb": sub["reserved_mb"].round(3).to_list(),
            }
        )
    return out
