"""Rendering a ProfileReport: a terminal report (a section per profiled run), JSON, CSV.

Every string from the input (names, types, groups, components, paths, notes) is untrusted:
the table passes it through :func:`_fmt` (escape sequences and line breaks removed), CSV
through :func:`analyzer.format_escape.csv_cell`.
"""

from __future__ import annotations

import json
import math
from typing import Any

import polars as pl

from analyzer.format_escape import csv_cell, one_line
from analyzer.jsonl import _clean
from analyzer.profile import ProfileReport, ProfileSummary
from analyzer.profile_ops import TOP_DEFAULT

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
    return one_line(str(value))


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
        out.append(f"  rank {_fmt(s['rank'])}: {_fmt(s['reason'])}")
    for s in summary.slow_stages:
        out.append(f"  stage {_fmt(s['stage'])}: {_fmt(s['reason'])}")
    if summary.findings:
        out.append("Findings")
        out += [f"  {_fmt(f)}" for f in summary.findings]
    return out


def _operators(summary: ProfileSummary, limit: int) -> list[str]:
    out: list[str] = []
    top = summary.top_operators
    comm = summary.communication
    if not top.is_empty():
        src = _fmt(comm.get("source", "kernels"))
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
        of = "operator" if comm.get("source", "").startswith("operator types") else "kernel"
        out.append(
            f"Communication operators: {comm['communication_share_pct']:.1f}% of {of} time "
            f"({comm['communication_total_us'] / 1000:,.1f} of {comm['kernel_total_us'] / 1000:,.1f} ms)"
        )
    return out


def _links(summary: ProfileSummary) -> list[str]:
    out: list[str] = []
    if not summary.bandwidth.is_empty():
        out.append("Communication bandwidth by link type (transit size / transit time)")
        rows = [
            [
                _fmt(r["link_type"]),
                _fmt(r["size_mb"], 3),
                _fmt(r["time_ms"], 3),
                _fmt(r["bandwidth_gbps"], 2),
                _fmt(r["ops"]),
            ]
            for r in summary.bandwidth.iter_rows(named=True)
        ]
        out += grid(["link", "size MB", "time ms", "GB/s", "ops"], rows)
    return out + _slow_links(summary.slow_links)


def _slow_links(links: pl.DataFrame) -> list[str]:
    """Per transport type, its slowest links against the type's median bandwidth."""
    if links.is_empty():
        return []
    local = links["group"].null_count() < links.height
    out = [
        "Slowest links per transport type (communication matrix; vs the type's median)"
        + ("; ranks local to each group" if local else "")
    ]
    rows = [
        [
            *([_fmt(r["group"])[:24]] if local else []),
            f"{_fmt(r['src'])} -> {_fmt(r['dst'])}",
            _fmt(r["transport"]),
            _fmt(r["size_mb"], 3),
            _fmt(r["time_ms"], 3),
            _fmt(r["bandwidth_gbps"], 2),
            _fmt(r["of_median_pct"], 0),
        ]
        for r in links.iter_rows(named=True)
    ]
    head = ["ranks", "transport", "size MB", "time ms", "GB/s", "% of median"]
    first = 3 if local else 2
    if local:
        head.insert(0, "group")
    return out + grid(head, rows, set(range(first, len(head))))


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


def _run_header(summary: ProfileSummary, many: bool) -> list[str]:
    files = summary.files
    kinds = sorted({f["kind"] for f in files})
    ranks = (
        sorted({r for r in summary.ranks["rank"].to_list() if r is not None})
        if not summary.ranks.is_empty()
        else []
    )
    what = f"{len(files)} files ({', '.join(kinds)}); {len(ranks)} ranks with step data"
    if not many:
        return [f"Profile: {what}"]
    return [f"== Run {_fmt(summary.run)}: {_fmt(summary.path)}", f"Profile: {what}"]


def _render_run(summary: ProfileSummary, limit: int, many: bool) -> list[list[str]]:
    parts = [_run_header(summary, many)]
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
        parts.append(["Notes", *[f"  {_fmt(n)}" for n in summary.notes]])
    return parts


def render_table(report: ProfileReport, limit: int = 15) -> str:
    """A section per profiled run (headed by its name and directory when there are several)."""
    many = len(report.runs) > 1
    parts: list[list[str]] = []
    if many:
        parts.append([f"{len(report.runs)} profiled runs (each summarised on its own)"])
    for summary in report.runs:
        parts += _render_run(summary, limit, many)
    if report.notes:
        parts.append(["Notes", *[f"  {_fmt(n)}" for n in report.notes]])
    return "\n\n".join("\n".join(p) for p in parts) + "\n"


def render_json(report: ProfileReport, top: int = TOP_DEFAULT) -> str:
    """See :meth:`analyzer.profile.ProfileReport.to_dict`."""
    return (
        json.dumps(
            _clean(report.to_dict(top)), ensure_ascii=False, allow_nan=False, default=str, indent=2
        )
        + "\n"
    )


def _csv(frames: list[pl.DataFrame]) -> str:
    """Frames (each with a ``run`` column first) as one CSV; strings defused for spreadsheets."""
    df = pl.concat(frames, how="diagonal_relaxed")
    exprs = [
        pl.col(c).map_elements(csv_cell, return_dtype=pl.String)
        if t == pl.String
        else pl.col(c).round(3)
        if t == pl.Float64
        else pl.col(c)
        for c, t in df.schema.items()
    ]
    return df.select(exprs).write_csv()


def _with_run(summary: ProfileSummary, df: pl.DataFrame) -> pl.DataFrame:
    return df.select(pl.lit(summary.run, pl.String).alias("run"), pl.all())


def render_csv(report: ProfileReport, top: int = TOP_DEFAULT) -> tuple[str, str | None]:
    """(CSV, a note for stderr or None). The per-rank breakdown with a ``run`` column; without
    step data the top operators (else the operator types), else the breakdown's header only."""
    ranks = [_with_run(s, s.ranks) for s in report.runs if not s.ranks.is_empty()]
    if ranks:
        return _csv(ranks), None
    ops = [_with_run(s, s.top_operators.head(top)) for s in report.runs if s.top_operators.height]
    if ops:
        return _csv(ops), "no per-rank step data; writing the top operators"
    types = [_with_run(s, s.top_types.head(top)) for s in report.runs if s.top_types.height]
    if types:
        return _csv(types), "no per-rank step data; writing the top operator types"
    head = ["run", *(report.runs[0].ranks.columns if report.runs else [])]
    return ",".join(head) + "\n", "no per-rank step data and no operators: writing the header only"
