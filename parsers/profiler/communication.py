"""communication.json / communication_matrix.json and their msprof-analyze cluster forms.

Shapes (msprof-analyze ``cluster_analyse`` reads the per-rank ones, writes the cluster ones):
- per rank ``communication.json``: ``{step: {"collective"|"p2p": {"op@group": INFO}}}``;
- ``cluster_communication.json``: ``{"(0, 1)": {step: {"op@group": {rank: INFO}}}}``;
  INFO = ``{"Communication Time Info": {"Elapse Time(ms)", "Transit Time(ms)", "Wait Time(ms)",
  "Synchronization Time(ms)", "Idle Time(ms)", ...}, "Communication Bandwidth Info":
  {"RDMA"|"HCCS"|"PCIE"|"SDMA"|"SIO": {"Transit Size(MB)", "Transit Time(ms)",
  "Bandwidth(GB/s)", ...}}}``;
- per rank ``communication_matrix.json``: ``{step: {"collective"|"p2p": {op: {"src-dst": LINK}}}}``;
- ``cluster_communication_matrix.json``: ``{"(0, 1)": {step: {op: {"src-dst": LINK}}}}``;
  LINK = ``{"Transport Type", "Transit Size(MB)", "Transit Time(ms)", "Bandwidth(GB/s)", "op_name"}``.
Keys starting with ``Total`` are the tools' own sums (``Total Op Info``).
The walkers below find INFO and LINK dicts wherever they sit and read their context from the
keys on the way, so both forms (and small layout drifts) are read by the same code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import polars as pl

TIME_INFO = "Communication Time Info"
BANDWIDTH_INFO = "Communication Bandwidth Info"
_TIME_FIELDS = {
    "elapse_ms": "Elapse Time(ms)",
    "transit_ms": "Transit Time(ms)",
    "wait_ms": "Wait Time(ms)",
    "sync_ms": "Synchronization Time(ms)",
    "idle_ms": "Idle Time(ms)",
}
OPS_SCHEMA = {
    "rank": pl.Int64,
    "step": pl.String,
    "group": pl.String,
    "kind": pl.String,
    "op": pl.String,
    **dict.fromkeys(_TIME_FIELDS, pl.Float64),
}
BANDWIDTH_SCHEMA = {
    "rank": pl.Int64,
    "step": pl.String,
    "op": pl.String,
    "link_type": pl.String,
    "size_mb": pl.Float64,
    "time_ms": pl.Float64,
}
MATRIX_SCHEMA = {
    "step": pl.String,
    "group": pl.String,
    "op": pl.String,
    "src": pl.Int64,
    "dst": pl.Int64,
    "transport": pl.String,
    "size_mb": pl.Float64,
    "time_ms": pl.Float64,
    "bandwidth_gbps": pl.Float64,
}
_LINK = re.compile(r"^\s*(\d+)\s*-\s*(\d+)\s*$")


def _num(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _context(path: list[str]) -> dict[str, str | None]:
    """Step, group, kind and op names read from the keys above a leaf."""
    ctx: dict[str, str | None] = {"step": None, "group": None, "kind": None, "op": None}
    for key in path:
        low = key.lower()
        if low in ("collective", "p2p"):
            ctx["kind"] = low
        elif key.startswith("(") or low in ("p2p_group", "collective_group"):
            ctx["group"] = key
        elif low.startswith("step") and ctx["op"] is None:
            ctx["step"] = key
        elif not key.isdigit():
            ctx["op"] = key
    if ctx["op"] and "@" in ctx["op"] and ctx["group"] is None:
        ctx["group"] = ctx["op"].rsplit("@", 1)[1]
    return ctx


def _walk_info(node: Any, path: list[str]) -> Iterator[tuple[list[str], dict]]:
    if not isinstance(node, dict):
        return
    if TIME_INFO in node or BANDWIDTH_INFO in node:
        yield path, node
        return
    for key, value in node.items():
        yield from _walk_info(value, [*path, str(key)])


def communication_frames(data: Any, rank: int | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """communication.json (either form) → (ops frame, bandwidth frame); ``Total`` ops skipped.

    The rank is the last all-digit key above an INFO dict (cluster form), else ``rank``.
    """
    ops: list[dict] = []
    bws: list[dict] = []
    for path, info in _walk_info(data, []):
        ctx = _context(path)
        if ctx["op"] is None or ctx["op"].startswith("Total"):
            continue
        digits = [k for k in path if k.isdigit()]
        op_rank = int(digits[-1]) if digits else rank
        times = info.get(TIME_INFO) or {}
        ops.append(
            {"rank": op_rank, **ctx, **{k: _num(times.get(h)) for k, h in _TIME_FIELDS.items()}}
        )
        for link_type, bw in (info.get(BANDWIDTH_INFO) or {}).items():
            if isinstance(bw, dict):
                bws.append(
                    {
                        "rank": op_rank,
                        "step": ctx["step"],
                        "op": ctx["op"],
                        "link_type": str(link_type).upper(),
                        "size_mb": _num(bw.get("Transit Size(MB)")),
                        "time_ms": _num(bw.get("Transit Time(ms)")),
                    }
                )
    return (
        pl.DataFrame(ops, schema=OPS_SCHEMA),
        pl.DataFrame(bws, schema=BANDWIDTH_SCHEMA),
    )


def _walk_links(node: Any, path: list[str]) -> Iterator[tuple[list[str], str, dict]]:
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if isinstance(value, dict) and _LINK.match(str(key)) and "Transport Type" in value:
            yield path, str(key), value
        else:
            yield from _walk_links(value, [*path, str(key)])


def matrix_frame(data: Any) -> pl.DataFrame:
    """communication_matrix.json (either form) → one row per (op, src-dst link)."""
    rows: list[dict] = []
    for path, key, link in _walk_links(data, []):
        ctx = _context(path)
        m = _LINK.match(key)
        assert m is not None
        rows.append(
            {
                "step": ctx["step"],
                "group": ctx["group"],
                "op": ctx["op"],
                "src": int(m.group(1)),
                "dst": int(m.group(2)),
                "transport": str(link.get("Transport Type") or "").upper() or None,
                "size_mb": _num(link.get("Transit Size(MB)")),
                "time_ms": _num(link.get("Transit Time(ms)")),
                "bandwidth_gbps": _num(link.get("Bandwidth(GB/s)")),
            }
        )
    return pl.DataFrame(rows, schema=MATRIX_SCHEMA)
