"""The search_sorted downsampling gives exactly the reference's points, on any input."""

from __future__ import annotations

import math

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.series import downsample_minmax, finite_points
from analyzer.tui.fastseries import prepare_points
from analyzer.tui.minmax import edges

# Few distinct values: ties between minima, maxima and x positions are the hard cases.
few = st.sampled_from([-2.0, -0.0, 0.0, 0.5, 1.0, 3.0])
wide = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6)
odd = st.sampled_from([math.nan, math.inf, -math.inf])


def reference(
    xs: list[float], ys: list[float], columns: int, log_y: bool = False
) -> tuple[list[float], list[float]]:
    """The list functions of analyzer.series: finite points, stable sort by x, downsample."""
    fx, fy = finite_points(xs, ys)
    if log_y:
        fx, fy = [x for x, y in zip(fx, fy, strict=True) if y > 0], [y for y in fy if y > 0]
    order = sorted(range(len(fx)), key=fx.__getitem__)
    return downsample_minmax([fx[i] for i in order], [fy[i] for i in order], columns)


@st.composite
def series(draw: st.DrawFn) -> tuple[list[float], list[float]]:
    n = draw(st.integers(min_value=0, max_value=400))
    value = st.one_of(few, wide, odd) if draw(st.booleans()) else st.one_of(few, wide)
    ys = draw(st.lists(value, min_size=n, max_size=n))
    start = draw(st.sampled_from([0.0, -3.5, 1.7e9, -1e-300]))
    gaps = draw(st.lists(st.sampled_from([0.0, 1.0, 0.25, 7.0, 1e-3]), min_size=n, max_size=n))
    xs = [start + sum(gaps[: i + 1]) for i in range(n)]
    if draw(st.booleans()):  # unsorted, and maybe with holes
        xs = draw(st.permutations(xs))
        xs = [draw(st.one_of(st.just(x), odd)) if i % 17 == 3 else x for i, x in enumerate(xs)]
    return xs, ys


@settings(max_examples=400, deadline=None)
@given(series(), st.integers(min_value=1, max_value=60), st.booleans())
def test_prepare_points_is_exactly_the_reference(
    data: tuple[list[float], list[float]], columns: int, log_y: bool
) -> None:
    xs, ys = data
    assert prepare_points(xs, ys, columns, log_y=log_y) == reference(xs, ys, columns, log_y)
    assert prepare_points(pl.Series(xs), pl.Series(ys), columns, log_y=log_y) == reference(
        xs, ys, columns, log_y
    )


@settings(max_examples=300, deadline=None)
@given(
    st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
    st.floats(min_value=1e-9, max_value=1e12),
    st.integers(min_value=1, max_value=300),
)
def test_each_edge_is_the_first_float_of_its_column(x0: float, span: float, columns: int) -> None:
    """The column of x is the reference's ``int((x - x0) * columns / span)``: the float just
    below each edge is in an earlier column, the edge itself in that column or later."""
    for b, edge in enumerate(edges(x0, span, columns), start=1):
        assert (edge - x0) * columns / span >= b
        assert (math.nextafter(edge, -math.inf) - x0) * columns / span < b


def test_edges_far_from_the_guess_are_found_by_bisection() -> None:
    """Around zero with x0 = -1 the floats are far denser than the steps of x - x0: the edge of
    column 1 is ~-1.1e-16, billions of floats below the guess 0.0."""
    (edge,) = edges(-1.0, 2.0, 2)
    assert (edge + 1.0) * 2 / 2.0 >= 1 and (math.nextafter(edge, -math.inf) + 1.0) < 1.0
    assert -1.2e-16 < edge < 0


def test_a_span_too_wide_for_floats_still_keeps_the_extremes() -> None:
    xs = [-1.7e308 + i * 1e305 for i in range(500)] + [1.7e308]
    ys = [float(i % 7) for i in range(500)] + [3.0]
    ys[250] = 99.0
    dx, dy = prepare_points(xs, ys, 20)
    assert 99.0 in dy and (dx[0], dx[-1]) == (xs[0], xs[-1]) and len(dx) <= 42
