"""Each format renders untrusted names as text, and the structure each format promises."""

from __future__ import annotations

import html
import io
import json
import re
from pathlib import Path

import polars as pl
import pytest

from analyzer.errors import InputError
from analyzer.format_escape import csv_cell, latex_escape, markdown_escape
from analyzer.formats import FORMATS, render
from analyzer.summary import compare_table
from tests.test_summary import make_run, steps_of

EVIL = "<b>&x|y_$z"


@pytest.fixture
def comparison(tmp_path: Path):
    evil = make_run(
        tmp_path,
        EVIL,
        steps=steps_of([100.0] * 4, tflops=[50.0] * 4),
        config={"tp": "2", "pp": "2"},
    )
    plain = make_run(
        tmp_path,
        "plain",
        steps=steps_of([90.0] * 4, tflops=[55.0] * 4),
        config={"tp": "4", "pp": "1"},
    )
    return compare_table([evil, plain], baseline=EVIL)


def test_html_shows_the_name_as_text(comparison) -> None:
    page = render(comparison, "html")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "<b>" not in page
    assert html.escape(EVIL, quote=True) in page
    assert "<h2>Runs</h2>" in page and "baseline: " in page


def test_markdown_keeps_the_table_shape(comparison) -> None:
    text = render(comparison, "markdown")
    table = [line for line in text.splitlines() if line.startswith("|")]
    unescaped_pipes = [len(re.findall(r"(?<!\\)\|", line)) for line in table]
    assert len(set(unescaped_pipes)) == 1  # every row has the header's number of cells
    assert markdown_escape(EVIL) in text
    assert "<b>" not in text


def test_markdown_escape() -> None:
    assert markdown_escape(EVIL) == r"\<b\>&amp;x\|y\_\$z"


def test_latex_escape_and_booktabs(comparison) -> None:
    text = render(comparison, "latex")
    assert latex_escape(EVIL) == r"\textless{}b\textgreater{}\&x\textbar{}y\_\$z"
    assert latex_escape(EVIL) in text
    for rule in ("\\toprule", "\\midrule", "\\bottomrule", "\\begin{tabular}", "\\end{tabular}"):
        assert rule in text
    assert "\\\\\n" in text


def test_csv_round_trips_and_defuses_formulas(comparison, tmp_path: Path) -> None:
    text = render(comparison, "csv")
    back = pl.read_csv(io.StringIO(text))
    assert back["run"].to_list() == [EVIL, "plain"]
    assert "tflops_median_delta_pct" in back.columns
    assert csv_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert csv_cell("plain") == "plain"


def test_json_is_a_list_of_rows(comparison) -> None:
    rows = json.loads(render(comparison, "json"))
    assert [r["run"] for r in rows] == [EVIL, "plain"]
    required = {
        "run",
        "strategy",
        "world_size",
        "steps",
        "step_time_ms_median",
        "tflops_median",
        "tokens_per_s_per_device",
        "peak_memory_mb",
        "loss_final",
        "nan_count",
        "skipped_count",
        "status",
    }
    assert required <= set(rows[0])
    assert rows[1]["tflops_median_delta_pct"] == 10.0


def test_table_strips_terminal_escapes(tmp_path: Path) -> None:
    data = make_run(tmp_path, "run\x1b]0;pwned\x07\x1b[2Jx", steps=steps_of([1.0] * 2))
    text = render(compare_table([data]), "table")
    assert "\x1b" not in text and "\x07" not in text


def test_every_format_renders_a_run_without_steps(tmp_path: Path) -> None:
    comp = compare_table([make_run(tmp_path, "empty", memory=[(0, "max_reserved", 100.0)])])
    for fmt in FORMATS:
        assert "empty" in render(comp, fmt)


def test_unknown_format(comparison) -> None:
    with pytest.raises(InputError, match="unknown format"):
        render(comparison, "xml")


def test_small_values_keep_three_significant_digits(tmp_path: Path) -> None:
    """A CPU demo's ~0.002 TFLOP/s must not print as 0.0 in any format."""
    data = make_run(tmp_path, "cpu", steps=steps_of([800.0] * 4, tflops=[0.002134] * 4))
    comp = compare_table([data])
    for fmt in ("table", "markdown", "html", "latex"):
        assert "0.00213" in render(comp, fmt), fmt
    assert json.loads(render(comp, "json"))[0]["tflops_median"] == 0.00213
    assert pl.read_csv(io.StringIO(render(comp, "csv")))["tflops_median"][0] == 0.00213
    big = compare_table(
        [make_run(tmp_path, "npu", steps=steps_of([800.0] * 4, tflops=[121.04] * 4))]
    )
    assert " 121.0" in render(big, "table")  # larger values keep the column's decimals
