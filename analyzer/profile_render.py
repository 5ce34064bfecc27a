"""Rendering a ProfileSummary: a terminal report, JSON, CSV (the per-rank table)."""

from __future__ import annotations

import json
import math
from typing import Any

import polars as pl

from analyzer.jsonl import _clean
from analyzer.profile import ProfileSummary
from analyzer.sanitize import clean_text

_BREAKDOWN = (
    ("computing_us", "Computing"),
    ("communication_not_overlapped_us", "Comm(Not Overlapped)"),
    ("overlapped_us", "Overlapped"),
    ("free_us", "Free"),
    ("bubble_us", "Bubble"),
    ("step_us", "Step"),
)


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        return f"{value:,.{digits}f}"
    return clean_text(str(value)) or ""


def grid(headers: list[str], rows: list[list[str]], right: set[int] | None = None) -> list[str]:
    """Aligned columns; numbers (the ``right`` indexes) right-aligned."""
    right = right if right is not None else set(range(1, len(headers)))
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return [line(headers), line(["-" * w for w in widths]), *[line(r) for r in rows]]


def _ms_pct(row: dict, col: str) -> str:
    value = row.get(col)
    if value is None:
        return "-"
    pct = row.get(col.replace("_us", "_pct"))
    text = f"{value / 1000:,.1f}"
    return f"{text} ({pct:.0f}%)" if pct is not None and col != "step_us" else text


def _breakdown(summary: ProfileSummary) -> list[str]:
    ranks = summary.ranks
    if ranks.is_empty():
        return ["Per-rank breakdown: no step trace data (step_trace_time.csv or trace_view.json)."]
    cols = [
        (c, h) for c, h in _BREAKDOWN if c in ranks.columns and ranks[c].null_count() < ranks.height
    ]
    headers = ["rank", "stage", "step", *[f"{h} ms" for _, h in cols]]
    rows = [
        [
            _fmt(r["rank"]),
            _fmt(r.get("stage")),
            _fmt(r.get("step")),
            *[_ms_pct(r, c) for c, _ in cols],
        ]
        for r in ranks.sort("step", "stage", "rank", nulls_last=True).iter_rows(named=True)
    ]
    title = (
        "Per-rank step time (ms, share of the step; Step = Computing + Comm(Not Overlapped) + Free)"
    )
    return [title, *grid(headers, rows)]


def _stages(summary: ProfileSummary) -> list[str]:
    st = summary.stages
    if st.is_empty() or st["stage"].n_unique() < 2:
        return []
    cols = [(c, h) for c, h in _BREAKDOWN if c in st.columns]
    headers = ["stage", "step", "ranks", *[f"{h} ms" for _, h in cols]]
    rows = [
        [
            _fmt(r["stage"]),
            _fmt(r["step"]),
            _fmt(r["ranks"]),
            *[_fmt(None if r[c] is None else r[c] / 1000) for c, _ in cols],
        ]
        for r in st.iter_rows(named=True)
    ]
    return [
        "Pipeline stages (slowest rank of each stage)",
        *grid(headers, rows, set(range(3, len(headers)))),
    ]


def _verdicts(summary: ProfileSummary) -> list[str]:
    out = ["Slow ranks (median/MAD robust test and msprof-analyze's 5%-of-step gap rule)"]
    if not summary.slow_ranks:
        out.append("  none: no rank stands out" if not summary.ranks.is_empty() else "  no data")
    for s in summary.slow_ranks:
        out.append(f"  rank {s['rank']}: {clean_text(s['reason'])}")
    for s in summary.slow_stages:
        out.append(f"  stage {s['stage']}: {clean_text(s['reason'])}")
    if summary.findings:
        out.append("Findings")
        out += [f"  {clean_text(f)}" for f in summary.findings]
    return out


def _operators(summary: ProfileSummary, limit: int) -> list[str]:
    out: list[str] = []
    top = summary.top_operators
    comm = summary.communication
    if not top.is_empty():
        src = comm.get("source", "kernels")
        out.append(f"Top operators by total time ({src})")
        rows = [
            [
                _fmt(r["name"])[:48],
                _fmt(r["type"])[:24],
                _fmt(r["count"]),
                _fmt(r["total_us"] / 1000, 2),
                _fmt(r["mean_us"], 1),
                _fmt(r["share_pct"], 1),
            ]
            for r in top.head(limit).iter_rows(named=True)
        ]
        out += grid(["name", "type", "count", "total ms", "mean us", "share %"], rows, {2, 3, 4, 5})
    types = summary.top_types
    if not types.is_empty():
        out.append("Top operator types")
        rows = [
            [
                _fmt(r["type"])[:40],
                _fmt(r["count"]),
                _fmt(r["total_us"] / 1000, 2),
                _fmt(r["mean_us"], 1),
                _fmt(r["share_pct"], 1),
            ]
            for r in types.head(limit).iter_rows(named=True)
        ]
        out += grid(["type", "count", "total ms", "mean us", "share %"], rows)
    if comm.get("communication_share_pct") is not None:
        out.append(
            f"Communication operators: {comm['communication_share_pct']:.1f}% of kernel time "
            f"({comm['communication_total_us'] / 1000:,.1f} of {comm['kernel_total_us'] / 1000:,.1f} ms)"
        )
    return out


def _links(summary: ProfileSummary) -> list[str]:
    out: list[str] = []
    if not summary.bandwidth.is_empty():
        out.append("Communication bandwidth by link type (transit size / transit time)")
        rows = [
            [
                r["link_type"],
                _fmt(r["size_mb"], 3),
                _fmt(r["time_ms"], 3),
                _fmt(r["bandwidth_gbps"], 2),
                _fmt(r["ops"]),
            ]
            for r in summary.bandwidth.iter_rows(named=True)
        ]
        out += grid(["link", "size MB", "time ms", "GB/s", "ops"], rows)
    if not summary.slow_links.is_empty():
        out.append("Slowest links (communication matrix)")
        rows = [
            [
                f"{r['src']} -> {r['dst']}",
                _fmt(r["transport"]),
                _fmt(r["size_mb"], 3),
                _fmt(r["time_ms"], 3),
                _fmt(r["bandwidth_gbps"], 2),
            ]
            for r in summary.slow_links.iter_rows(named=True)
        ]
        out += grid(["ranks", "transport", "size MB", "time ms", "GB/s"], rows, {2, 3, 4})
    return out


def _memory(summary: ProfileSummary) -> list[str]:
    if summary.memory.is_empty():
        return []
    rows = [
        [
            _fmt(r["rank"]),
            _fmt(r["component"]),
            _fmt(r["peak_allocated_mb"]),
            _fmt(r["peak_reserved_mb"]),
            _fmt(r["samples"]),
            _fmt(None if r["span_us"] is None else r["span_us"] / 1000),
        ]
        for r in summary.memory.iter_rows(named=True)
    ]
    head = ["rank", "component", "peak allocated MB", "peak reserved MB", "samples", "span ms"]
    return [
        "Memory (memory_record: peak per rank and component)",
        *grid(head, rows, {0, 2, 3, 4, 5}),
    ]


def render_table(summary: ProfileSummary, limit: int = 15) -> str:
    files = summary.files
    kinds = sorted({f["kind"] for f in files})
    ranks = (
        sorted({r for r in summary.ranks["rank"].to_list() if r is not None})
        if not summary.ranks.is_empty()
        else []
    )
    parts = [
        [f"Profile: {len(files)} files ({', '.join(kinds)}); {len(ranks)} ranks with step data"]
    ]
    for section in (
        _breakdown(summary),
        _stages(summary),
        _verdicts(summary),
        _operators(summary, limit),
        _links(summary),
        _memory(summary),
    ):
        if section:
            parts.append(section)
    if summary.notes:
        parts.append(["Notes", *[f"  {clean_text(n)}" for n in summary.notes]])
    return "\n\n".join("\n".join(p) for p in parts) + "\n"


def render_json(summary: ProfileSummary) -> str:
    return (
        json.dumps(
            _clean(summary.to_dict()), ensure_ascii=False, allow_nan=False, default=str, indent=2
        )
        + "\n"
    )


def render_csv(summary: ProfileSummary) -> str:
    """The per-rank breakdown as CSV (the table scripts want)."""
    ranks = summary.ranks
    if ranks.is_empty():
        return ""
    return ranks.with_columns(pl.col(pl.Float64).round(3)).write_csv()
