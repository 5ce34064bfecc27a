"""The comparison table for the Compare screen: the core's ``compare_table`` when present.

Headless. Until ``analyzer.summary`` exists, a minimal table is derived from the snapshot's rows
(same column names as the contract's comparison row, no deltas).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from analyzer.tui.snapshot import Snapshot, core_module, view_data

FORMATS: tuple[str, ...] = ("table", "markdown", "csv", "json", "html", "latex")
EXTENSIONS = {
    "table": "txt",
    "markdown": "md",
    "csv": "csv",
    "json": "json",
    "html": "html",
    "latex": "tex",
}


def fallback_table(snap: Snapshot, runs: Sequence[str]) -> pl.DataFrame:
    rows = [
        {
            "run": r.run,
            "strategy": r.strategy,
            "steps": r.step,
            "step_time_ms_median": r.step_time_ms,
            "tflops_median": r.tflops,
            "peak_memory_mb": r.peak_memory_mb,
            "loss_final": r.loss,
            "status": r.status,
        }
        for r in snap.rows
        if r.run in runs
    ]
    return pl.DataFrame(rows) if rows else pl.DataFrame({"run": []}, schema={"run": pl.String})


def comparison(
    snap: Snapshot, runs: Sequence[str], baseline: str | None
) -> tuple[Any, pl.DataFrame, list[str]]:
    """(the core's Comparison or None, its table, notes); call off the UI thread."""
    summary = core_module("summary")
    if summary is None:
        return None, fallback_table(snap, runs), ["analyzer.summary not available: minimal table"]
    datas = [view_data(snap.runs[n]) for n in runs if n in snap.runs]
    if not datas:
        return None, fallback_table(snap, runs), []
    base = baseline if baseline in runs else None
    result = summary.compare_table(datas, baseline=base)
    return result, result.table, list(getattr(result, "notes", []))  # warm-up note included


def render(result: Any, table: pl.DataFrame, fmt: str) -> str:
    """The table in ``fmt`` via ``analyzer.formats`` (csv/json fall back to polars)."""
    formats = core_module("formats")
    if formats is not None and result is not None:
        return str(formats.render(result, fmt))
    if fmt == "csv":
        return table.write_csv()
    if fmt == "json":
        return table.write_json()
    raise ValueError(f"format {fmt} needs analyzer.formats, which is not available yet")
