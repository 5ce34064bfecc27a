"""Series that grow between redraws: the cached results equal those computed afresh."""

from __future__ import annotations

import math

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.series import ema
from analyzer.tui.fastseries import prepare_points
from analyzer.tui.seriescache import Chain, EmaCache, SeriesPoints, append_series

value = st.one_of(
    st.sampled_from([0.0, 1.0, 2.0, -1.0, 5.0]),
    st.floats(min_value=-1e3, max_value=1e3),
    st.sampled_from([math.nan, math.inf, -math.inf]),
)

#: What happens to the series between two redraws.
Change = tuple[str, int, list[float]]
change = st.tuples(
    st.sampled_from(["append", "append", "append", "edit", "shrink", "zoom", "log", "resize"]),
    st.integers(min_value=0, max_value=10_000),
    st.lists(value, min_size=0, max_size=40),
)


def apply(
    xs: list[float], ys: list[float], what: Change, state: dict[str, object]
) -> tuple[list[float], list[float]]:
    kind, k, new = what
    n = len(xs)
    if kind == "append":  # a live tail: steps after the last one, now and then a step repeated
        last = xs[-1] if xs else 0.0
        steps = [last + (i // 2 if k % 3 == 0 else i + 1) for i in range(len(new))]
        return xs + steps, ys + new
    if kind == "edit" and n:  # a rewritten step (restart from a checkpoint), or a moved x
        ys, xs = list(ys), list(xs)
        (ys if k % 2 else xs)[k % n] = new[0] if new else 7.0
    elif kind == "shrink":
        return xs[: k % (n + 1)], ys[: k % (n + 1)]
    elif kind == "zoom":
        return xs[k % (n + 1) :], ys[k % (n + 1) :]
    elif kind == "log":
        state["log_y"] = not state["log_y"]
    elif kind == "resize":
        state["columns"] = 1 + k % 60
    return xs, ys


@settings(max_examples=150, deadline=None)
@given(
    st.lists(value, min_size=1, max_size=30),
    st.integers(min_value=0, max_value=700),
    st.lists(change, min_size=1, max_size=12),
    st.integers(min_value=1, max_value=40),
)
def test_updates_equal_fresh_downsampling(
    pattern: list[float], n: int, changes: list[Change], columns: int
) -> None:
    ys = [pattern[(i * 7) % len(pattern)] + (i % 3) for i in range(n)]
    xs = [float(i) for i in range(n)]
    state: dict[str, object] = {"log_y": False, "columns": columns}
    points = SeriesPoints()
    for what in [("append", 0, []), *changes]:
        xs, ys = apply(xs, ys, what, state)
        cols, log_y = int(state["columns"]), bool(state["log_y"])  # type: ignore[call-overload]
        got = points.update(pl.Series(xs), pl.Series(ys), cols, log_y=log_y)
        assert got == prepare_points(xs, ys, cols, log_y=log_y), what


def test_a_growing_series_is_updated_not_recomputed() -> None:
    """A live tail: the steps only grow, so every update after the first is an append; a
    rewritten value anywhere, fewer points or other columns make it start afresh."""
    n = 50_000
    xs = pl.int_range(0, n + 100, eager=True).cast(pl.Float64)
    ys = (xs * 0.37).sin() * (-xs / n).exp()
    ys = ys.scatter(n // 2, 40.0)
    points = SeriesPoints()
    kinds = []
    for m in [n, n + 1, n + 1, n + 4, n + 60, n + 100]:
        got = points.update(xs.head(m) * 1.0, ys.head(m) * 1.0, 190)  # new buffers, as live
        kinds.append(points.last_update)
        assert got == prepare_points(xs.head(m), ys.head(m), 190)
        assert 40.0 in got[1]
    assert kinds == ["fresh", "appended", "same", "appended", "appended", "appended"]
    edited = ys.scatter(10, -5.0)
    assert points.update(xs, edited, 190) == prepare_points(xs, edited, 190)
    assert points.last_update == "fresh" and -5.0 in points.update(xs, edited, 190)[1]
    for args in [(xs.head(n), ys.head(n), 190), (xs, edited, 100)]:
        assert points.update(*args) == prepare_points(*args)
        assert points.last_update == "fresh"


def test_a_series_changed_in_place_is_seen() -> None:
    """The cache keeps a copy of what it saw: a series modified after it was drawn is redone."""
    xs, ys = pl.Series([float(i) for i in range(1000)]), pl.Series([1.0] * 1000)
    points = SeriesPoints()
    points.update(xs, ys, 10)
    ys.scatter(500, 9.0)
    assert 9.0 in points.update(xs, ys, 10)[1]


def _same(a: list[float | None], b: list[float | None]) -> bool:
    def one(x: float | None, y: float | None) -> bool:
        if x is None or y is None:
            return x is y
        if math.isnan(x) or math.isnan(y):
            return math.isnan(x) and math.isnan(y)
        return x == pytest.approx(y, rel=1e-9, abs=1e-9)

    return len(a) == len(b) and all(one(x, y) for x, y in zip(a, b, strict=True))


@settings(max_examples=120, deadline=None)
@given(
    st.lists(st.one_of(value, st.none()), min_size=0, max_size=80),
    st.lists(st.lists(st.one_of(value, st.none()), max_size=20), min_size=1, max_size=6),
    st.sampled_from([0.6, 0.9, 0.99]),
)
def test_ema_continued_over_appended_values_is_the_ema(
    start: list[float | None], tails: list[list[float | None]], weight: float
) -> None:
    cache = EmaCache()
    values = list(start)
    for tail in [[], *tails]:
        values += tail
        assert _same(
            cache.smooth("run", pl.Series(values, dtype=pl.Float64), weight).to_list(),
            ema(values, weight),
        )


def test_ema_starts_afresh_on_other_values_weight_or_key() -> None:
    cache = EmaCache(size=2)
    values = [1.0, 2.0, 3.0, 4.0]
    cache.smooth("a", values, 0.5)
    changed = [1.0, 9.0, 3.0, 4.0, 5.0]
    assert _same(cache.smooth("a", changed, 0.5).to_list(), ema(changed, 0.5))
    assert _same(cache.smooth("a", changed, 0.9).to_list(), ema(changed, 0.9))
    assert _same(cache.smooth("b", values, 0.9).to_list(), ema(values, 0.9))
    cache.smooth("c", values, 0.9)
    assert len(cache._entries) == 2 and "a" not in cache._entries
    assert cache.smooth("a", values, 0.0).to_list() == values


def test_a_chain_token_vouches_for_the_prefix() -> None:
    """With the chain token of the last input, a longer input is taken as its continuation
    (no comparison); another token, or none, compares as usual."""
    xs = pl.Series([float(i) for i in range(3000)])
    ys = (xs * 0.1).sin()
    chain = Chain()
    points = SeriesPoints()
    points.update(xs.head(2000), ys.head(2000), 50, chain=chain)
    got = points.update(xs.head(2500), ys.head(2500), 50, chain=chain)
    assert points.last_update == "appended" and got == prepare_points(
        xs.head(2500), ys.head(2500), 50
    )
    edited = ys.clone().scatter(10, 50.0)
    assert 50.0 in points.update(xs, edited, 50, chain=Chain())[1]
    assert points.last_update == "fresh"
    cache = EmaCache()
    out, token = cache.smooth_chain("k", ys.head(10), 0.5, chain)
    longer, same = cache.smooth_chain("k", ys, 0.5, chain)
    assert same is token and longer.head(10).equals(out)
    assert _same(longer.to_list(), ema(ys.to_list(), 0.5))
    _, other = cache.smooth_chain("k", edited, 0.5, Chain())
    assert other is not token


def test_appending_keeps_few_chunks_and_every_value() -> None:
    s = pl.Series("y", [0.0])
    for i in range(1, 3000):
        s = append_series(s, pl.Series("y", [float(i)] * (1 + i % 3)))
        assert s.n_chunks() <= 2 * math.log2(len(s)) + 2
    assert s.to_list() == [0.0] + [float(i) for i in range(1, 3000) for _ in range(1 + i % 3)]
