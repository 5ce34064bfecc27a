"""Chart series of a growing run: extended by the new rows, equal to those computed afresh."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.discover import Run
from analyzer.store import RunData, records_to_frame
from analyzer.tui.chartdata import ChartCache, ChartOptions, lines_for, rank_lines
from analyzer.tui.snapshot import run_view

#: One appended row: (rank, step, loss); rank None: a log without ranks; step None: no step.
Row = tuple[int | None, int | None, float]


def _frame(rows: list[Row]) -> pl.DataFrame:
    records = [
        {"kind": "step", "run": "r", "rank": rank, "step": step, "loss": loss, "tflops": 1.0}
        for rank, step, loss in rows
    ]
    return records_to_frame("step", records)


def _values(xs: object) -> list[float | None]:
    return xs.to_list() if isinstance(xs, pl.Series) else list(xs)  # type: ignore[attr-defined]


def _close(a: list[float | None], b: list[float | None]) -> bool:
    def one(x: float | None, y: float | None) -> bool:
        if x is None or y is None:
            return x is y
        if math.isnan(x) or math.isnan(y):
            return math.isnan(x) and math.isnan(y)
        return x == pytest.approx(y, rel=1e-9, abs=1e-12)

    return len(a) == len(b) and all(one(x, y) for x, y in zip(a, b, strict=True))


def _same_lines(got: list, want: list) -> None:  # type: ignore[type-arg]
    assert [(ln.label, ln.color, ln.faint) for ln in got] == [
        (ln.label, ln.color, ln.faint) for ln in want
    ]
    for g, w in zip(got, want, strict=True):
        assert _values(g.xs) == _values(w.xs)
        assert _close(_values(g.ys), _values(w.ys))


def _batches(draw: st.DrawFn, count: int) -> list[list[Row]]:
    """Batches of rows as a tail delivers them: mostly the next steps of rank 0, sometimes
    other ranks, a rank-less row, a step without a number or a step logged again."""
    batches, step = [], 0
    for _ in range(count):
        rows: list[Row] = []
        for _ in range(draw(st.integers(min_value=0, max_value=6))):
            how = draw(
                st.sampled_from(["next"] * 6 + ["rank1", "rank2", "none", "nostep", "again"])
            )
            loss = draw(st.sampled_from([1.0, 2.5, math.nan, 0.5, -1.0]))
            if how == "next":
                step += draw(st.integers(min_value=1, max_value=3))
                rows.append((0, step, loss))
            elif how == "again":
                rows.append((0, max(0, step - draw(st.integers(0, 4))), loss))
            elif how == "nostep":
                rows.append((0, None, loss))
            else:
                rank = None if how == "none" else int(how[-1])
                rows.append((rank, draw(st.integers(min_value=0, max_value=step + 2)), loss))
        batches.append(rows)
    return batches


@settings(max_examples=120, deadline=None)
@given(st.data(), st.sampled_from([0.0, 0.6]))
def test_lines_of_a_growing_run_equal_lines_computed_afresh(
    data: st.DataObject, smoothing: float
) -> None:
    run = RunData(Run("r", Path("/nonexistent"), []))
    cache = ChartCache()
    opts = ChartOptions(smoothing=smoothing)
    kinds = set()
    for rows in _batches(data.draw, data.draw(st.integers(min_value=1, max_value=10))):
        if rows:
            run.append_frame("step", _frame(rows))
        view = run_view(run)
        got, fell_back = lines_for([(view, "red")], "loss", opts, cache)
        kinds.add(cache.steps.last_update)
        assert not fell_back
        _same_lines(got, lines_for([(view, "red")], "loss", opts)[0])
        per_rank = rank_lines(view, "loss", opts, ["a", "b"], cache)[0]
        _same_lines(per_rank, rank_lines(view, "loss", opts, ["a", "b"])[0])
    assert kinds <= {"fresh", "appended", "same"}


def test_a_live_run_extends_its_series_and_keeps_the_chain() -> None:
    run = RunData(Run("r", Path("/nonexistent"), []))
    run.append_frame("step", _frame([(0, s, 10.0 / s) for s in range(1, 1001)]))
    cache = ChartCache()
    opts = ChartOptions(smoothing=0.6)
    first, _ = lines_for([(run_view(run), "red")], "loss", opts, cache)
    run.append_frame("step", _frame([(0, s, 10.0 / s) for s in range(1001, 1003)]))
    run.append_frame("step", _frame([(0, 1003, math.nan)]))
    lines_for([(run_view(run), "red")], "loss", opts, cache)
    run.append_frame("step", _frame([(1, 1, 1.0)]))  # a row of another rank: nothing new
    grown, _ = lines_for([(run_view(run), "red")], "loss", opts, cache)
    assert cache.steps.last_update == "same"
    for a, b in zip(first, grown, strict=True):
        assert a.chain is not None and a.chain == b.chain
        assert b.xs.head(1000).equals(a.xs) and b.ys.head(1000).equals(a.ys)
    run.append_frame("step", _frame([(0, 500, 99.0)]))  # step 500 logged again: replaced
    again, _ = lines_for([(run_view(run), "red")], "loss", opts, cache)
    assert cache.steps.last_update == "fresh" and again[0].chain != grown[0].chain
    assert again[0].ys[499] == 99.0
    run.append_frame("step", _frame([(0, 1004, 1.0)]))
    lines_for([(run_view(run), "red")], "loss", opts, cache)
    assert cache.steps.last_update == "appended"
    other = RunData(Run("r", Path("/nonexistent"), []))  # the same name, another store
    other.append_frame("step", _frame([(0, s, 1.0) for s in range(1, 2000)]))
    lines_for([(run_view(other), "red")], "loss", opts, cache)
    assert cache.steps.last_update == "fresh"


def test_zoom_x_mode_and_memory_do_not_use_the_chain() -> None:
    run = RunData(Run("r", Path("/nonexistent"), []))
    run.append_frame("step", _frame([(0, s, 1.0 + s) for s in range(1, 50)]))
    cache = ChartCache()
    for opts in [ChartOptions(zoom=(5, 10)), ChartOptions(x_mode="relative")]:
        lines, _ = lines_for([(run_view(run), "red")], "loss", opts, cache)
        assert all(line.chain is None for line in lines)
    assert lines_for([(run_view(run), "red")], "memory", ChartOptions(), cache)[0][0].chain is None


def test_store_frames_only_grow_at_the_end() -> None:
    """The promise RunData.uid makes, that the chart series rely on."""
    run = RunData(Run("r", Path("/nonexistent"), []))
    seen: list[pl.DataFrame] = []
    for start in range(0, 300, 30):
        for part in range(3):
            rows = [(0, start + 10 * part + i, float(i)) for i in range(10)]
            run.append_frame("step", _frame(rows))
            seen.append(run.steps)
    for a, b in itertools.pairwise(seen):
        assert b.height > a.height and b.head(a.height).equals(a)
