"""Top operators, the share of communication, bandwidth per link type, slow links, memory.

Kernel rows come from kernel_details.csv (preferred), else trace_view's ``Ascend Hardware``
process, else op_statistic.csv (types only). Bandwidth is transit size over transit time per
link type (HCCS, RDMA, PCIE, SDMA, SIO); MB/ms is GB/s, as msprof-analyze computes it.
"""

from __future__ import annotations

import polars as pl

from parsers.profiler.kernels import is_communication_op, op_type_of_name

#: Operators (and operator types) kept per run when no ``--top`` is given.
TOP_DEFAULT = 50
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
    kernels: pl.LazyFrame, limit: int = TOP_DEFAULT
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
    by_type = _by_type(agg, total, limit)
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

    ``Ascend Hardware`` on an NPU; ``CPU OP`` is what MindSpore's profiler writes on the CPU,
    whose names (``Default/AllReduce-op3``) carry the operator type (as in its
    ``cpu_op_type_info``).
    """
    procs = set(totals["process"].to_list())
    device = next((p for p in DEVICE_PROCESSES if p in procs), DEVICE_PROCESSES[0])
    hw = totals.filter(pl.col("process") == device)
    op_type = op_type_of_name(pl.col("name")) if device == "CPU OP" else pl.lit(None, pl.String)
    return hw.lazy().select(
        pl.col("rank").cast(pl.Int64),
        pl.col("name"),
        op_type.alias("type"),
        pl.col("total_us").alias("duration_us"),
        is_communication_op(pl.col("name")).alias("is_communication"),
        pl.col("count"),
    )


def _by_type(agg: pl.DataFrame, total: float, limit: int) -> pl.DataFrame:
    """Operator rows summed per type (empty when no row has a type)."""
    if agg["type"].null_count() == agg.height:
        return pl.DataFrame()
    return _ranked(
        agg.group_by(pl.col("type").fill_null("(none)")).agg(
            pl.col("count").sum(),
            pl.col("total_us").sum(),
            pl.col("is_communication").any(),
        ),
        total,
        limit,
    )


def top_from_trace(
    hw: pl.LazyFrame, limit: int = TOP_DEFAULT
) -> tuple[pl.DataFrame, pl.DataFrame, dict]:
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
    by_name = _ranked(agg, total, limit).select(list(TOP_SCHEMA))
    return by_name, _by_type(agg, total, limit), summary


def types_from_op_statistic(stats: pl.DataFrame, limit: int = TOP_DEFAULT) -> pl.DataFrame:
    """op_statistic.csv (or MindSpore's cpu_op_type_info) summed per operator type."""
    agg = stats.group_by("type").agg(
        pl.col("count").sum(), pl.col("total_us").sum(), pl.col("rank").n_unique().alias("ranks")
    )
    agg = agg.with_columns(is_communication_op(pl.col("type")).alias("is_communication"))
    return _ranked(agg, float(agg["total_us"].sum() or 0.0), limit)


def communication_of_types(types: pl.DataFrame) -> dict:
    """The share of communication from operator types alone (op_statistic input only)."""
    if "is_communication" not in types.columns or types.is_empty():
        return {}
    total = float(types["total_us"].sum() or 0.0)
    comm = float(types.filter(pl.col("is_communication"))["total_us"].sum() or 0.0)
    return {
        "kernel_total_us": round(total, 3),
        "communication_total_us": round(comm, 3),
        "communication_share_pct": round(comm / total * 100, 2) if total else None,
        "source": "operator types (op_statistic)",
    }


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


def _link_rows(matrix: pl.DataFrame) -> tuple[pl.DataFrame, bool]:
    """The rows to sum per link, and whether their ranks are local to each group.

    msprof-analyze's cluster matrix names global ranks: its ``Total Op Info`` rows are used
    when present. A single rank's matrix names ranks local to each group, so links are kept
    per group and its ``Total`` rows (summed over groups) are left out. msprof-analyze's
    ``-top``/``-middle``/``-bottom`` digests of the same ops are always left out."""
    glob = pl.col("global_ranks") if "global_ranks" in matrix.columns else pl.lit(True)
    rows = matrix.filter(glob)
    local = rows.is_empty()
    if local:
        rows = matrix
    total = pl.col("op").fill_null("").str.starts_with("Total")
    digest = pl.col("op").fill_null("").str.contains(r"-(top|middle|bottom)\d*(@|$)")
    if not local and not rows.filter(total).is_empty():
        rows = rows.filter(total)
    else:
        rows = rows.filter(~total & ~digest)
    rows = rows.filter((pl.col("src") != pl.col("dst")) & (pl.col("size_mb").fill_null(0) > 0))
    return rows, local


def slow_links(matrix: pl.DataFrame, limit: int = 10) -> pl.DataFrame:
    """The slowest rank pairs of each transport type, against that type's median bandwidth
    (HCCS, RDMA, PCIe links differ by design, so only links of one type are compared).

    Columns: ``group`` (the communication group; set only when ranks are local to it),
    ``src, dst, transport, size_mb, time_ms, bandwidth_gbps, median_gbps, of_median_pct``;
    at most ``limit`` links per transport type, slowest first.
    """
    if matrix.is_empty():
        return pl.DataFrame()
    rows, local = _link_rows(matrix)
    if rows.is_empty():
        return pl.DataFrame()
    group = pl.col("group") if local else pl.lit(None, pl.String).alias("group")
    links = (
        rows.with_columns(group)
        .group_by("group", "src", "dst", "transport")
        .agg(pl.col("size_mb").sum(), pl.col("time_ms").sum())
        .with_columns(
            pl.when(pl.col("time_ms") > 0)
            .then(pl.col("size_mb") / pl.col("time_ms"))
            .alias("bandwidth_gbps")
        )
    )
    median = pl.col("bandwidth_gbps").median().over("transport")
    return (
        links.with_columns(median.alias("median_gbps"))
        .with_columns(
            pl.when(pl.col("median_gbps") > 0)
            .then(pl.col("bandwidth_gbps") / pl.col("median_gbps") * 100)
            .alias("of_median_pct")
        )
        .sort("transport", "bandwidth_gbps", "group", "src", "dst", nulls_last=True)
        .filter(pl.int_range(pl.len()).over("transport") < limit)
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
