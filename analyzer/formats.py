"""Rendering a :class:`~analyzer.summary.Comparison`: table, markdown, csv, json, html, latex.

Strings from logs and directory names (run names, labels, notes) are untrusted: each format escapes
them so ``<b>&x|y_$z`` shows as exactly that text (no markup, no broken table, no LaTeX error, no
spreadsheet formula). The human formats (table, markdown, html, latex) show the columns people
read, drop columns empty in every row and add the dry-run pairing and notes; csv and json carry
every column of the comparison row (CONTRACT.md).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import polars as pl

from analyzer.errors import InputError
from analyzer.format_escape import csv_cell, latex_escape, markdown_escape, one_line
from analyzer.format_pages import render_html, render_latex
from analyzer.summary import Comparison

FORMATS = ("table", "markdown", "csv", "json", "html", "latex")

#: Decimals -1: a signed percentage with 1 decimal (baseline deltas); -2: with 2 (dry - real).
DELTA_PCT, FIXED_PCT = -1, -2
#: Human headers and decimals of the displayed columns, in order.
DISPLAY: dict[str, tuple[str, int | None]] = {
    "run": ("run", None),
    "strategy": ("strategy", None),
    "status": ("status", None),
    "steps": ("steps", 0),
    "step_time_ms_median": ("step ms p50", 1),
    "step_time_ms_p90": ("step ms p90", 1),
    "tflops_median": ("TFLOP/s", 1),
    "tokens_per_s_per_device": ("tokens/s/dev", 0),
    "mfu_pct": ("MFU %", 1),
    "bubble_pct": ("bubble %", 1),
    "peak_memory_mb": ("peak MB", 0),
    "device_total_mb": ("device MB", 0),
    "framework_used_mb": ("MS used MB", 0),
    "peak_used_mb": ("peak used MB", 0),
    "peak_actual_mb": ("peak actual MB", 0),
    "loss_final": ("loss", 4),
    "loss_min": ("min loss", 4),
    "nan_count": ("NaN", 0),
    "skipped_count": ("skipped", 0),
}
PAIR_DISPLAY: dict[str, tuple[str, int | None]] = {
    "strategy": ("strategy", None),
    "real_run": ("real run", None),
    "dryrun_run": ("dry run", None),
    "metric": ("memory", None),
    "real_mb": ("real MB", 0),
    "dryrun_mb": ("dry-run MB", 0),
    "diff_mb": ("dry - real MB", 0),
    "diff_pct": ("dry - real %", FIXED_PCT),
}
_DELTA = "_delta_pct"
#: Memory columns as seed 004's table names them (the pairing's rows).
PAIR_METRIC_NAMES = {
    "device_total_mb": "Device memory size",
    "framework_used_mb": "MindSpore Used memory size",
    "peak_used_mb": "Used peak (without fragments)",
    "peak_actual_mb": "Actual peak (with fragments)",
    "peak_memory_mb": "peak memory",
}


def display_columns(table: pl.DataFrame) -> list[tuple[str, str, int | None]]:
    """(column, header, decimals) of what human formats show: non-empty columns plus deltas."""
    out: list[tuple[str, str, int | None]] = []
    for col, (header, decimals) in DISPLAY.items():
        if col not in table.columns or (
            col not in ("run", "strategy", "status", "steps") and table[col].is_null().all()
        ):
            continue
        out.append((col, header, decimals))
        if col + _DELTA in table.columns:
            out.append((col + _DELTA, f"{header} vs base %", -1))
    return out


#: Values below 1 keep at least this many significant digits (a CPU demo's 0.00213 TFLOP/s is
#: not "0.0"); larger values keep their column's decimals.
SIGNIFICANT = 3
_MAX_DECIMALS = 12


def decimals_for(value: float, decimals: int) -> int:
    """``decimals``, or more when ``value`` is below 1 and would show fewer than 3 significant
    digits (0.00213 with 1 decimal → 5 decimals)."""
    size = abs(value)
    if size == 0 or size >= 1 or not math.isfinite(size):
        return decimals
    needed = SIGNIFICANT - 1 - math.floor(math.log10(size))
    return max(decimals, min(needed, _MAX_DECIMALS))


def fmt_value(value: Any, decimals: int | None) -> str | None:
    """A cell as text; None for a missing value. decimals -1/-2: a signed percentage with 1/2
    decimals, the same in every row (a column of differences reads alike)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return str(value)
        if decimals in (DELTA_PCT, FIXED_PCT):
            return f"{value:+.{-decimals}f}"
        places = decimals_for(value, decimals if decimals is not None else 4)
        return f"{value:.{places}f}"
    return str(value)


def cells(
    frame: pl.DataFrame, columns: list[tuple[str, str, int | None]]
) -> list[list[str | None]]:
    """The formatted (unescaped) cells of the displayed columns, row by row."""
    return [[fmt_value(row[c], d) for c, _h, d in columns] for row in frame.iter_rows(named=True)]


def pair_columns() -> list[tuple[str, str, int | None]]:
    return [(c, h, d) for c, (h, d) in PAIR_DISPLAY.items()]


def pairs_view(pairs: pl.DataFrame) -> pl.DataFrame:
    """The pairing with memory columns named as in seed 004's table."""
    return pairs.with_columns(pl.col("metric").replace(PAIR_METRIC_NAMES))


def _cells_any(
    frame: pl.DataFrame, columns: list[tuple[str, str, int | None]]
) -> list[list[str | None]]:
    """cells() that names pairing memory columns as seed 004 does."""
    return cells(pairs_view(frame) if "metric" in frame.columns else frame, columns)


def _numeric(columns: list[tuple[str, str, int | None]]) -> list[bool]:
    return [d is not None for _c, _h, d in columns]


def text_table(headers: list[str], rows: list[list[str | None]], numeric: list[bool]) -> list[str]:
    body = [[one_line(v) if v is not None else "-" for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in body]) for i, h in enumerate(headers)]

    def line(values: list[str]) -> str:
        parts = [
            v.rjust(w) if num else v.ljust(w)
            for v, w, num in zip(values, widths, numeric, strict=True)
        ]
        return "  ".join(parts).rstrip()

    return [line(headers), line(["-" * w for w in widths]), *(line(r) for r in body)]


def render_table(comp: Comparison) -> str:
    cols = display_columns(comp.table)
    out = text_table([h for _c, h, _d in cols], cells(comp.table, cols), _numeric(cols))
    if comp.pairs.height:
        pcols = pair_columns()
        out += ["", "Dry run against real:"]
        out += text_table(
            [h for _c, h, _d in pcols], cells(pairs_view(comp.pairs), pcols), _numeric(pcols)
        )
    out += [""] + [f"note: {one_line(n)}" for n in comp.notes] if comp.notes else []
    return "\n".join(out) + "\n"


def _md_table(headers: list[str], rows: list[list[str | None]], numeric: list[bool]) -> list[str]:
    align = ["---:" if num else ":---" for num in numeric]
    lines = [
        "| " + " | ".join(markdown_escape(h) for h in headers) + " |",
        "| " + " | ".join(align) + " |",
    ]
    for row in rows:
        lines.append(
            "| " + " | ".join(markdown_escape(v) if v is not None else "" for v in row) + " |"
        )
    return lines


def render_markdown(comp: Comparison) -> str:
    cols = display_columns(comp.table)
    out = _md_table([h for _c, h, _d in cols], cells(comp.table, cols), _numeric(cols))
    if comp.pairs.height:
        pcols = pair_columns()
        out += ["", "**Dry run against real**", ""]
        out += _md_table(
            [h for _c, h, _d in pcols], cells(pairs_view(comp.pairs), pcols), _numeric(pcols)
        )
    if comp.notes:
        out += [""] + [f"- {markdown_escape(n)}" for n in comp.notes]
    return "\n".join(out) + "\n"


def _plain(value: Any) -> Any:
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return round(value, decimals_for(value, 4))
    return value


def render_json(comp: Comparison) -> str:
    """A list of comparison rows (every column; non-finite numbers as strings)."""
    rows = [{k: _plain(v) for k, v in row.items()} for row in comp.table.iter_rows(named=True)]
    return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"


def render_csv(comp: Comparison) -> str:
    """Every column; string cells that a spreadsheet would run as a formula are defused."""
    table = comp.table
    exprs = [
        pl.col(c).map_elements(csv_cell, return_dtype=pl.String)
        if t == pl.String
        else _rounded(c)
        if t == pl.Float64
        else pl.col(c)
        for c, t in table.schema.items()
    ]
    return table.select(exprs).write_csv()


def _rounded(column: str) -> pl.Expr:
    """4 decimals, or 3 significant digits where that is more (see :func:`decimals_for`)."""
    col = pl.col(column)
    small = (col.abs() < 10.0 ** (SIGNIFICANT - 1 - 4)) & (col != 0)
    return pl.when(small).then(col.round_sig_figs(SIGNIFICANT)).otherwise(col.round(4))


RENDERERS: dict[str, Callable[[Comparison], str]] = {
    "table": render_table,
    "markdown": render_markdown,
    "csv": render_csv,
    "json": render_json,
    "html": lambda comp: render_html(comp, display_columns(comp.table), pair_columns(), _cells_any),
    "latex": lambda comp: render_latex(
        comp, display_columns(comp.table), pair_columns(), _cells_any
    ),
}


def render(comparison: Comparison, fmt: str) -> str:
    """The comparison in one of :data:`FORMATS`."""
    renderer = RENDERERS.get(fmt)
    if renderer is None:
        raise InputError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return renderer(comparison)


__all__ = ["FORMATS", "latex_escape", "render"]
