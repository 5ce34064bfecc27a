"""The vectorised chart helpers agree with analyzer.series and keep every spike."""

from __future__ import annotations

import math

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.series import ema
from analyzer.tui.fastseries import ema_series, prepare_points
from analyzer.tui.widgets.chart import int_ticks

finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6)


@settings(max_examples=150, deadline=None)
@given(st.lists(finite, min_size=1, max_size=300), st.integers(min_value=1, max_value=40))
def test_prepare_points_keeps_extremes_and_ends(ys: list[float], cols: int) -> None:
    xs = [float(i) for i in range(len(ys))]
    dx, dy = prepare_points(xs, ys, cols)
    assert len(dx) <= max(len(xs), 2 * cols + 2)
    assert max(dy) == max(ys) and min(dy) == min(ys)
    assert (dx[0], dx[-1]) == (xs[0], xs[-1]) and dx == sorted(dx)
    assert all(ys[int(x)] == y for x, y in zip(dx, dy, strict=True))


def test_prepare_points_drops_non_finite_and_non_positive_for_log() -> None:
    xs = [1.0, 2.0, 3.0, 4.0]
    ys = [1.0, math.nan, -1.0, 2.0]
    assert prepare_points(xs, ys, 10) == ([1.0, 3.0, 4.0], [1.0, -1.0, 2.0])
    assert prepare_points(xs, ys, 10, log_y=True) == ([1.0, 4.0], [1.0, 2.0])
    assert prepare_points(pl.Series([3.0, 1.0]), pl.Series([5.0, 6.0]), 10) == (
        [1.0, 3.0],
        [6.0, 5.0],
    )


def test_one_million_points_keep_a_single_step_spike() -> None:
    n = 1_000_000
    ys = pl.Series([1.0] * n).scatter(654_321, 99.0)
    dx, dy = prepare_points(pl.Series(range(n), dtype=pl.Float64), ys, 190)
    assert 99.0 in dy and len(dx) <= 382


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.one_of(finite, st.just(math.nan)), min_size=1, max_size=200),
    st.sampled_from([0.0, 0.6, 0.9, 0.99]),
)
def test_ema_series_matches_tensorboard_ema(values: list[float], w: float) -> None:
    expect = ema(values, w)
    got = ema_series(values, w).to_list()
    for a, b in zip(expect, got, strict=True):
        if a is None or math.isnan(a):
            assert b is None or math.isnan(b)
        else:
            assert b == pytest.approx(a, rel=1e-9, abs=1e-6)


def test_int_ticks_are_round_integers() -> None:
    assert int_ticks(6, 50) == [10, 20, 30, 40, 50]
    assert int_ticks(1, 1) == [1]
