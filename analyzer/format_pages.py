"""The two document formats of a comparison: a standalone HTML page and a LaTeX booktabs table."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import polars as pl

from analyzer import __version__
from analyzer.format_escape import latex_escape, one_line

Columns = list[tuple[str, str, int | None]]
CellsFn = Callable[[pl.DataFrame, Columns], list[list[str | None]]]

_STYLE = """body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border-bottom: 1px solid #ccc; padding: 0.3em 0.7em; }
th { text-align: left; border-bottom: 2px solid #444; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.meta { color: #666; font-size: 0.9em; }"""


def _esc(text: str) -> str:
    return html.escape(one_line(text), quote=True)


def _html_table(headers: list[str], rows: list[list[str | None]], numeric: list[bool]) -> list[str]:
    out = [
        "<table>",
        "<thead><tr>" + "".join(f"<th>{_esc(h)}</th>" for h in headers) + "</tr></thead>",
        "<tbody>",
    ]
    for row in rows:
        tds = (
            f'<td class="num">{_esc(v or "")}</td>' if num else f"<td>{_esc(v or '')}</td>"
            for v, num in zip(row, numeric, strict=True)
        )
        out.append("<tr>" + "".join(tds) + "</tr>")
    return [*out, "</tbody>", "</table>"]


def _run_rows(comp: Any) -> list[list[str | None]]:
    return [[r["run"], r["path"], str(r["files"]), str(r["lines"])] for r in comp.runs]


def _meta_line(comp: Any) -> str:
    parts = [f"analyzer {__version__}", f"{comp.table.height} runs"]
    if comp.baseline is not None:
        parts.append(f"baseline: {comp.baseline}")
    if comp.device_peak_tflops is not None:
        parts.append(f"device peak: {comp.device_peak_tflops:g} TFLOP/s")
    return " · ".join(parts)


def render_html(comp: Any, cols: Columns, pcols: Columns, cells: CellsFn) -> str:
    """A standalone page: the table, the dry-run pairing, the notes and where each run came from."""
    numeric = [d is not None for _c, _h, d in cols]
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        "<title>Strategy comparison</title>",
        f"<style>\n{_STYLE}\n</style>",
        "</head>",
        "<body>",
        "<h1>Strategy comparison</h1>",
        f'<p class="meta">{_esc(_meta_line(comp))}</p>',
        *_html_table([h for _c, h, _d in cols], cells(comp.table, cols), numeric),
    ]
    if comp.pairs.height:
        out += ["<h2>Dry run against real</h2>"]
        out += _html_table(
            [h for _c, h, _d in pcols],
            cells(comp.pairs, pcols),
            [d is not None for _c, _h, d in pcols],
        )
    if comp.notes:
        out += ["<h2>Notes</h2>", "<ul>", *(f"<li>{_esc(n)}</li>" for n in comp.notes), "</ul>"]
    out += ["<h2>Runs</h2>"]
    out += _html_table(
        ["run", "path", "files", "lines"], _run_rows(comp), [False, False, True, True]
    )
    return "\n".join([*out, "</body>", "</html>"]) + "\n"


def _latex_tabular(
    headers: list[str], rows: list[list[str | None]], numeric: list[bool]
) -> list[str]:
    spec = "".join("r" if num else "l" for num in numeric)
    out = [
        f"\\begin{{tabular}}{{{spec}}}",
        "\\toprule",
        " & ".join(latex_escape(h) for h in headers) + " \\\\",
        "\\midrule",
    ]
    out += [
        " & ".join(latex_escape(v) if v is not None else "--" for v in row) + " \\\\"
        for row in rows
    ]
    return [*out, "\\bottomrule", "\\end{tabular}"]


def render_latex(comp: Any, cols: Columns, pcols: Columns, cells: CellsFn) -> str:
    """booktabs tables (``\\usepackage{booktabs}``); notes as comments."""
    out = [f"% {latex_escape(_meta_line(comp))}; needs \\usepackage{{booktabs}}"]
    out += [f"% {latex_escape(n)}" for n in comp.notes]
    out += _latex_tabular(
        [h for _c, h, _d in cols], cells(comp.table, cols), [d is not None for _c, _h, d in cols]
    )
    if comp.pairs.height:
        out += ["", "% Dry run against real"]
        out += _latex_tabular(
            [h for _c, h, _d in pcols],
            cells(comp.pairs, pcols),
            [d is not None for _c, _h, d in pcols],
        )
    return "\n".join(out) + "\n"
