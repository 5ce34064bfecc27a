"""Chart series that grow between redraws: redo only the work the new points need.

A live run hands the chart a new series every refresh whose first points are those it had
before. :class:`SeriesPoints` (downsampling) and :class:`EmaCache` (smoothing) keep what they
computed with a copy of the input it came from; when the next input starts with that copy (a
full comparison, so any change anywhere is seen; or, without comparing, when its producer
vouches for it with the same :class:`Chain` token), only the appended points are processed,
else everything is computed afresh. Either way the result is what :func:`~analyzer.tui.fastseries.
prepare_points` and :func:`~analyzer.tui.fastseries.ema_series` give for the whole input (the
EMA within rounding: it continues the average from where it stopped). Headless: no Textual.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass, replace

import polars as pl

from analyzer.tui.fastseries import Values, all_finite, as_series, ema_series, finite_sorted
from analyzer.tui.minmax import Buckets, downsample, extend, points

#: Beyond this many new values the EMA is recomputed whole (vectorised beats the Python loop).
_MAX_EMA_TAIL = 20_000


class Chain:
    """A token for a growing series: each series handed out with the same token (compared by
    identity) begins with all the points of the earlier ones, so they need no comparison."""

    __slots__ = ()


def starts_with(series: pl.Series, prefix: pl.Series) -> bool:
    """Whether ``series`` begins with exactly the values of ``prefix`` (NaN equals NaN)."""
    n = len(prefix)
    if len(series) < n:
        return False
    if n and not _same_value(series[n - 1], prefix[n - 1]):  # other data: said at once
        return False
    return series.head(n).equals(prefix, check_names=False)


def _same_value(a: object, b: object) -> bool:
    return a == b or (a != a and b != b)  # NaN is the one value not equal to itself


def append_series(head: pl.Series, tail: pl.Series) -> pl.Series:
    """``head`` then ``tail`` without copying ``head``. Chunks are merged as in a binary counter
    (each at least twice as long as the next), so a series grown by many small appends stays in
    O(log n) chunks and each value is copied O(log n) times in all."""
    chunks = [*head.get_chunks(), tail] if len(head) else [tail]
    while len(chunks) > 1 and len(chunks[-2]) < 2 * len(chunks[-1]):
        last = chunks.pop()
        chunks[-1] = pl.concat([chunks[-1], last], rechunk=True)
    return pl.concat(chunks, rechunk=False) if len(chunks) > 1 else chunks[0]


@dataclass(frozen=True)
class _Drawn:
    """One line's points and what they were computed from."""

    columns: int
    log_y: bool
    raw_x: pl.Series  # copies of the input (polars copies on write: cheap, and safe)
    raw_y: pl.Series
    xs: pl.Series  # the drawable points, sorted by x
    ys: pl.Series
    in_order: bool  # the input needed no sort, so appended points stay at the end
    buckets: Buckets | None
    points: tuple[list[float], list[float]]
    chain: object = None  # the input's chain token (see Chain), if its producer gave one


class SeriesPoints:
    """:func:`~analyzer.tui.fastseries.prepare_points` of one line, updated as it grows."""

    def __init__(self) -> None:
        self._last: _Drawn | None = None
        #: How the last update went: "same", "appended" or "fresh" (for tests and benchmarks).
        self.last_update = ""

    def update(
        self, xs: Values, ys: Values, columns: int, *, log_y: bool = False, chain: object = None
    ) -> tuple[list[float], list[float]]:
        """The points of ``xs``/``ys``; ``chain``: a token that a series with an equal one was
        seen before only if this one begins with it (see :class:`Chain`)."""
        x, y = as_series(xs, "x"), as_series(ys, "y")
        if len(x) != len(y):
            raise ValueError("xs and ys differ in length")
        columns = max(1, int(columns))
        drawn = self._grown(x, y, columns, log_y, chain)
        if drawn is None:
            drawn, self.last_update = self._fresh(x, y, columns, log_y), "fresh"
        self._last = replace(drawn, chain=chain)
        return drawn.points

    def _grown(
        self, x: pl.Series, y: pl.Series, columns: int, log_y: bool, chain: object
    ) -> _Drawn | None:
        old = self._last
        if old is None or (old.columns, old.log_y) != (columns, log_y) or not old.in_order:
            return None
        n = len(old.raw_x)
        trusted = chain is not None and chain == old.chain and len(x) >= n
        if not trusted and not (starts_with(x, old.raw_x) and starts_with(y, old.raw_y)):
            return None
        if len(x) == n:
            self.last_update = "same"
            return old
        tx, ty, tail_in_order = finite_sorted(x.slice(n), y.slice(n), log_y)
        if not tail_in_order or (len(tx) and len(old.xs) and tx[0] < old.xs[-1]):
            return None
        raw_x, raw_y = x.clone(), y.clone()
        if len(old.xs) == n and len(tx) == len(x) - n:  # nothing dropped: the input is the data
            fx, fy = raw_x, raw_y
        else:
            fx, fy = append_series(old.xs, tx), append_series(old.ys, ty)
        buckets = extend(old.buckets, fx, fy) if old.buckets is not None else None
        if buckets is None:
            buckets = downsample(fx, fy, columns)
        self.last_update = "appended"
        drawn = points(fx, fy, buckets)
        return _Drawn(columns, log_y, raw_x, raw_y, fx, fy, True, buckets, drawn)

    @staticmethod
    def _fresh(x: pl.Series, y: pl.Series, columns: int, log_y: bool) -> _Drawn:
        raw_x, raw_y = x.clone(), y.clone()
        fx, fy, in_order = finite_sorted(raw_x, raw_y, log_y)
        buckets = downsample(fx, fy, columns)
        drawn = points(fx, fy, buckets)
        return _Drawn(columns, log_y, raw_x, raw_y, fx, fy, in_order, buckets, drawn)


@dataclass(frozen=True)
class _Smoothed:
    weight: float
    raw: pl.Series  # a copy of the input
    out: pl.Series
    num: float  # the weighted sum and the sum of weights after the last finite value
    den: float
    source: object  # the input's chain token, if any
    chain: Chain  # the output's: kept while the output only grows


def _fresh_ema(values: pl.Series, weight: float, source: object) -> _Smoothed:
    out = ema_series(values, weight)
    if all_finite(values):
        count, last = len(values), len(values) - 1
    else:
        finite = values.is_finite().fill_null(False)
        count = finite.sum()
        last = len(values) - 1 - finite.reverse().arg_max()  # type: ignore[operator]
    if not count:
        return _Smoothed(weight, values.clone(), out, 0.0, 0.0, source, Chain())
    den = (1.0 - weight**count) / (1.0 - weight)
    return _Smoothed(weight, values.clone(), out, out[last] * den, den, source, Chain())


def _grown_ema(
    old: _Smoothed, values: pl.Series, weight: float, source: object
) -> _Smoothed | None:
    n = len(old.raw)
    if weight != old.weight or len(values) - n > _MAX_EMA_TAIL or len(values) < n:
        return None
    trusted = source is not None and source == old.source
    if not trusted and not starts_with(values, old.raw):
        return None
    if len(values) == n:
        return replace(old, source=source)
    num, den, smoothed = old.num, old.den, []
    for v in values.slice(n).to_list():
        if v is not None and math.isfinite(v):
            num, den = num * weight + v, den * weight + 1.0
            v = num / den
        smoothed.append(v)
    tail = pl.Series("y", smoothed, dtype=pl.Float64)
    out = append_series(old.out, tail)
    return _Smoothed(weight, values.clone(), out, num, den, source, old.chain)


class EmaCache:
    """:func:`~analyzer.tui.fastseries.ema_series` by key (one per line shown), continued over
    appended values; keeps the ``size`` most recently used keys."""

    def __init__(self, size: int = 32) -> None:
        self.size = size
        self._entries: dict[Hashable, _Smoothed] = {}

    def smooth(self, key: Hashable, values: Values, weight: float) -> pl.Series:
        return self.smooth_chain(key, values, weight)[0]

    def smooth_chain(
        self, key: Hashable, values: Values, weight: float, source: object = None
    ) -> tuple[pl.Series, object]:
        """The smoothed values and their chain token; ``source``: the values' chain token."""
        s = as_series(values, "y")
        if weight == 0.0:
            return s, source
        old = self._entries.pop(key, None)
        entry = _grown_ema(old, s, weight, source) if old is not None else None
        if entry is None:
            entry = _fresh_ema(s, weight, source)
        self._entries[key] = entry
        while len(self._entries) > self.size:
            del self._entries[next(iter(self._entries))]
        return entry.out, entry.chain
