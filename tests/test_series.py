"""analyzer.series: TensorBoard's debiased EMA, min/max downsampling, x-axis modes."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analyzer.series import downsample_minmax, ema, finite_points, parse_timestamp, x_values


def test_ema_weight_zero_is_identity() -> None:
    assert ema([1.0, 2.0, 3.0], 0.0) == [1.0, 2.0, 3.0]


def test_ema_is_debiased_first_point_equals_value() -> None:
    out = ema([10.0, 10.0, 10.0], 0.9)
    assert out == pytest.approx([10.0, 10.0, 10.0])


def test_ema_matches_tensorboard_formula() -> None:
    w = 0.6
    vals = [1.0, 3.0, 2.0]
    last, expect = 0.0, []
    for i, v in enumerate(vals, 1):
        last = last * w + (1 - w) * v
        expect.append(last / (1 - w**i))
    assert ema(vals, w) == pytest.approx(expect)


def test_ema_passes_non_finite_through_without_moving_average() -> None:
    out = ema([1.0, math.nan, None, 1.0], 0.5)
    assert out[0] == 1.0 and math.isnan(out[1]) and out[2] is None and out[3] == pytest.approx(1.0)


def test_ema_rejects_bad_weight() -> None:
    with pytest.raises(ValueError):
        ema([1.0], 1.0)


def test_downsample_keeps_single_step_spike_and_ends() -> None:
    n = 1_000_000
    xs = [float(i) for i in range(n)]
    ys = [1.0] * n
    ys[123_457] = 50.0
    ys[777_777] = -5.0
    dx, dy = downsample_minmax(xs, ys, 100)
    assert len(dx) <= 2 * 100 + 2
    assert max(dy) == 50.0 and min(dy) == -5.0
    assert (dx[0], dx[-1]) == (0.0, float(n - 1))
    assert dx == sorted(dx)


def test_downsample_short_series_unchanged() -> None:
    assert downsample_minmax([1.0, 2.0], [3.0, 4.0], 10) == ([1.0, 2.0], [3.0, 4.0])


@given(
    st.lists(
        st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9),
        min_size=1,
        max_size=400,
    ),
    st.integers(min_value=1, max_value=50),
)
def test_downsample_properties(ys: list[float], cols: int) -> None:
    xs = [float(i) for i in range(len(ys))]
    dx, dy = downsample_minmax(xs, ys, cols)
    assert len(dx) <= max(len(xs), 2 * cols + 2)
    assert max(dy) == max(ys) and min(dy) == min(ys)
    assert dx[0] == xs[0] and dx[-1] == xs[-1]
    assert all(ys[int(x)] == y for x, y in zip(dx, dy, strict=True))


def test_finite_points_drops_nan_and_none() -> None:
    assert finite_points([1, 2, None, 4], [1.0, math.nan, 3.0, 4.0]) == ([1.0, 4.0], [1.0, 4.0])


def test_x_values_modes() -> None:
    steps = [1, 2, 3]
    ts = ["2025-01-01T00:00:00+00:00", "2025-01-01T00:00:02+00:00", None]
    assert x_values("step", steps) == [1.0, 2.0, 3.0]
    assert x_values("relative", steps, ts) == [0.0, 2.0, None]
    assert x_values("wall", steps, ts)[1] == parse_timestamp(ts[1])
    assert x_values("relative", steps, None, [1000.0, 500.0, None]) == [1.0, 1.5, 1.5]
    assert x_values("wall", steps, None, [1000.0, 500.0, None]) is None
    with pytest.raises(ValueError):
        x_values("bogus", steps)


def test_parse_timestamp_rejects_garbage() -> None:
    assert parse_timestamp("yesterday") is None and parse_timestamp(None) is None
