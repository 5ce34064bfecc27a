"""Min/max downsampling of a sorted, finite series by screen column, and its cheap update.

Gives exactly what :func:`analyzer.series.downsample_minmax` gives (per column the first
minimum and first maximum, plus the first and last points) without a per-point pass: a point's
column is a monotone function of its x, so each column's first index is one binary search
(``search_sorted``) for the smallest float whose column is that one, and each column's extremes
are one slice's ``arg_min``/``arg_max``. :func:`extend` updates the result for the same series
with points appended: columns only widen to the right as the span grows, so a column keeps its
extremes unless they fell off its left edge, and only the points it gained are looked at.
Headless: no Textual.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial

import polars as pl

#: Ranges up to this long are scanned in Python after one gather; longer ones by polars.
_SMALL = 64
_SIGN = 1 << 63
_KEY_INF = 0x7FF0000000000000  # the order key of +inf (and minus it, of -inf)

#: (first argmin, its y, first argmax, its y) over one range, or None for an empty range.
Extremes = tuple[int, float, int, float] | None


@dataclass(frozen=True)
class Buckets:
    """Where each column starts in one sorted series of ``n`` points and its extremes."""

    n: int
    x0: float
    span: float
    columns: int
    #: ``columns + 1`` indices: column b holds the points ``starts[b]:starts[b + 1]``.
    starts: list[int]
    extremes: list[Extremes]

    def inner(self, b: int) -> tuple[int, int]:
        """Column ``b``'s points without the first and last point of the series."""
        return max(1, self.starts[b]), min(self.n - 1, self.starts[b + 1])

    def keep(self) -> list[int]:
        """Indices to draw, ascending: the first point, each column's extremes, the last."""
        out = [0]
        for ext in self.extremes:
            if ext is not None:
                lo, hi = ext[0], ext[2]
                out.extend((lo,) if lo == hi else (min(lo, hi), max(lo, hi)))
        out.append(self.n - 1)
        return out


def _key(x: float) -> int:
    """An integer that orders floats as they compare (-0.0 and 0.0 share 0)."""
    u = struct.unpack("<Q", struct.pack("<d", x))[0]
    return u if u < _SIGN else -(u - _SIGN)


def _float(k: int) -> float:
    return struct.unpack("<d", struct.pack("<Q", k if k >= 0 else _SIGN - k))[0]


def _first_true(pred: Callable[[float], bool], guess: float) -> float:
    """The smallest float where the monotone ``pred`` holds, searched outwards from ``guess``."""
    if pred(guess):
        below = math.nextafter(guess, -math.inf)
        if not pred(below):
            return guess
        hi, step = _key(below), 1
        while True:
            lo = max(hi - step, -_KEY_INF)
            if not pred(_float(lo)):
                break
            hi, step = lo, step * 2
    else:
        above = math.nextafter(guess, math.inf)
        if pred(above):
            return above
        lo, step = _key(above), 1
        while True:
            hi = min(lo + step, _KEY_INF)
            if pred(_float(hi)):
                break
            lo, step = hi, step * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if pred(_float(mid)):
            hi = mid
        else:
            lo = mid
    return _float(hi)


def edges(x0: float, span: float, columns: int) -> list[float]:
    """For columns 1..columns-1, the smallest x that falls in that column or a later one, with
    the column of x computed exactly as the reference does: ``int((x - x0) * columns / span)``.
    """
    out = []
    for b in range(1, columns):
        guess = x0 + b * span / columns
        if (guess - x0) * columns / span >= b:  # mostly the guess or its neighbour is the edge
            if (math.nextafter(guess, -math.inf) - x0) * columns / span < b:
                out.append(guess)
                continue
        elif (math.nextafter(guess, math.inf) - x0) * columns / span >= b:
            out.append(math.nextafter(guess, math.inf))
            continue
        out.append(_first_true(partial(_reaches, x0, span, columns, b), guess))
    return out


def _reaches(x0: float, span: float, columns: int, b: int, x: float) -> bool:
    return (x - x0) * columns / span >= b


def column_starts(xs: pl.Series, x0: float, span: float, columns: int) -> list[int]:
    """``columns + 1`` indices into the sorted ``xs``: where each column starts, then len(xs)."""
    found = xs.search_sorted(pl.Series(edges(x0, span, columns), dtype=pl.Float64), side="left")
    return [0, *found.to_list(), len(xs)]


def range_extremes(ys: pl.Series, ranges: list[tuple[int, int]]) -> list[Extremes]:
    """The first minimum and first maximum of ``ys`` over each ``[a, b)`` range."""
    out: list[Extremes] = [None] * len(ranges)
    small = [k for k, (a, b) in enumerate(ranges) if 0 < b - a <= _SMALL]
    idx = [i for k in small for i in range(*ranges[k])]
    values = ys.gather(idx).to_list() if idx else []
    pos = 0
    for k in small:
        a, b = ranges[k]
        lo = hi = pos
        for j in range(pos + 1, pos + b - a):  # strict comparisons: the first of equals stays
            if values[j] < values[lo]:
                lo = j
            elif values[j] > values[hi]:
                hi = j
        out[k] = (a + lo - pos, values[lo], a + hi - pos, values[hi])
        pos += b - a
    big = [k for k, (a, b) in enumerate(ranges) if b - a > _SMALL]
    picks: list[int] = []
    for k in big:
        a, b = ranges[k]
        part = ys.slice(a, b - a)
        picks += [a + part.arg_min(), a + part.arg_max()]  # type: ignore[operator]
    got = ys.gather(picks).to_list() if picks else []
    for j, k in enumerate(big):
        out[k] = (picks[2 * j], got[2 * j], picks[2 * j + 1], got[2 * j + 1])
    return out


def downsample(xs: pl.Series, ys: pl.Series, columns: int) -> Buckets | None:
    """Columns and extremes of a sorted, finite series; None when it is short enough to draw
    whole (at most ``2 * columns + 2`` points)."""
    n = len(xs)
    if n <= 2 * columns + 2:
        return None
    x0 = xs[0]
    span = (xs[n - 1] - x0) or 1.0
    if not math.isfinite(span):  # the reference overflows too: columns of x / 2, not extendable
        half = downsample(xs * 0.5, ys, columns)
        return None if half is None else replace(half, x0=math.nan)
    starts = column_starts(xs, x0, span, columns)
    ranges = [(max(1, starts[b]), min(n - 1, starts[b + 1])) for b in range(columns)]
    return Buckets(n, x0, span, columns, starts, range_extremes(ys, ranges))


def _merge(old: Extremes, new: Extremes) -> Extremes:
    """Extremes of a range from those of its left part (``old``) and right part (``new``)."""
    if old is None or new is None:
        return old or new
    lo = new[:2] if new[1] < old[1] else old[:2]
    hi = new[2:] if new[3] > old[3] else old[2:]
    return (*lo, *hi)


def extend(old: Buckets, xs: pl.Series, ys: pl.Series) -> Buckets | None:
    """:func:`downsample` of ``xs``/``ys``, whose first ``old.n`` points are those ``old`` was
    made from; None when the span shrank or overflowed (then call :func:`downsample`)."""
    n, columns = len(xs), old.columns
    span = (xs[n - 1] - old.x0) or 1.0
    if n < old.n or not math.isfinite(span) or span < old.span:
        return None
    starts = column_starts(xs, old.x0, span, columns)
    ranges: list[tuple[int, int]] = []
    kept: list[Extremes] = []
    was = old.starts
    for b in range(columns):
        lo, hi = max(1, starts[b]), min(n - 1, starts[b + 1])
        had = old.extremes[b]
        if had is None or had[0] < lo or had[2] < lo or lo >= hi:
            ranges.append((lo, hi))  # nothing to keep: scan the whole column
            kept.append(None)
        else:  # the column lost points on the left, none of its extremes: scan what it gained
            ranges.append((max(min(old.n - 1, was[b + 1]), lo), hi))
            kept.append(had)
    scanned = range_extremes(ys, ranges)
    merged = [_merge(k, s) for k, s in zip(kept, scanned, strict=True)]
    return Buckets(n, old.x0, span, columns, starts, merged)


def points(
    xs: pl.Series, ys: pl.Series, buckets: Buckets | None
) -> tuple[list[float], list[float]]:
    """The points to draw: all of them without buckets, else those :meth:`Buckets.keep` picks."""
    if buckets is None:
        return xs.to_list(), ys.to_list()
    keep = buckets.keep()
    return xs.gather(keep).to_list(), ys.gather(keep).to_list()
