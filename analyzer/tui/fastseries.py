"""Vectorised (polars) versions of :mod:`analyzer.series` for the chart's hot path.

Same results as the list functions there (the tests compare them), fast enough that smoothing
and downsampling a 1,000,000-point series fits in a redraw. Headless: no Textual.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import polars as pl

from analyzer.tui.minmax import downsample, points

Values = pl.Series | Sequence[float | None]


def as_series(values: Values, name: str) -> pl.Series:
    if isinstance(values, pl.Series):
        return values.cast(pl.Float64).alias(name)
    return pl.Series(name, values, dtype=pl.Float64, strict=False)


def ema_series(values: Values, weight: float) -> pl.Series:
    """TensorBoard's debiased EMA (= an adjusted exponentially weighted mean); NaN/null kept."""
    s = as_series(values, "y")
    if weight == 0.0:
        return s
    if all_finite(s):  # nothing to pass through: the plain EWM, without masks
        return s.ewm_mean(alpha=1.0 - weight, adjust=True).alias("y")
    finite = s.is_finite().fill_null(False)
    clean = pl.when(finite).then(s).otherwise(None)
    frame = pl.DataFrame({"y": s}).with_columns(clean.alias("c"))
    smoothed = frame.select(
        pl.when(finite)
        .then(pl.col("c").ewm_mean(alpha=1.0 - weight, adjust=True, ignore_nulls=True))
        .otherwise(pl.col("y"))
    ).to_series()
    return smoothed.alias("y")


def finite_sorted(
    x: pl.Series, y: pl.Series, log_y: bool = False
) -> tuple[pl.Series, pl.Series, bool]:
    """The finite points (positive y for log scale), stably sorted by x; True when the points
    were in x order already (nothing had to move)."""
    if not _all_drawable(x, y, log_y):
        ok = x.is_finite() & y.is_finite()
        if log_y:
            ok = ok & (y > 0)
        ok = ok.fill_null(False)
        x, y = x.filter(ok), y.filter(ok)
    if x.is_sorted():
        return x, y, True
    frame = pl.DataFrame({"x": x, "y": y}).sort("x", maintain_order=True)
    return frame.get_column("x"), frame.get_column("y"), False


def all_finite(s: pl.Series) -> bool:
    """Cheap test that every value is a finite number: a finite sum has no NaN or inf in it
    (a sum that overflows only makes this say False)."""
    return not s.null_count() and math.isfinite(s.sum())


def _all_drawable(x: pl.Series, y: pl.Series, log_y: bool) -> bool:
    """Cheap test that no point has to be dropped."""
    if not len(x):
        return True
    if not (all_finite(x) and all_finite(y)):
        return False
    return not log_y or y.min() > 0  # type: ignore[operator]


def prepare_points(
    xs: Values, ys: Values, columns: int, *, log_y: bool = False
) -> tuple[list[float], list[float]]:
    """Finite points (positive y for log scale), sorted by x, min/max-downsampled to ``columns``.

    Matches :func:`analyzer.series.downsample_minmax` on the same input: per x bucket the first
    minimum and first maximum, plus the first and last points (see :mod:`analyzer.tui.minmax`).
    """
    x, y, _ = finite_sorted(as_series(xs, "x"), as_series(ys, "y"), log_y)
    return points(x, y, downsample(x, y, max(1, int(columns))))
