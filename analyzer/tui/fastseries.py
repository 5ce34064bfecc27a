"""Vectorised (polars) versions of :mod:`analyzer.series` for the chart's hot path.

Same results as the list functions there (the tests compare them), fast enough that smoothing
and downsampling a 1,000,000-point series fits in a redraw. Headless: no Textual.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

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
    finite = s.is_finite().fill_null(False)
    clean = pl.when(finite).then(s).otherwise(None)
    frame = pl.DataFrame({"y": s}).with_columns(clean.alias("c"))
    smoothed = frame.select(
        pl.when(finite)
        .then(pl.col("c").ewm_mean(alpha=1.0 - weight, adjust=True, ignore_nulls=True))
        .otherwise(pl.col("y"))
    ).to_series()
    return smoothed.alias("y")


def prepare_points(
    xs: Values, ys: Values, columns: int, *, log_y: bool = False
) -> tuple[list[float], list[float]]:
    """Finite points (positive y for log scale), sorted by x, min/max-downsampled to ``columns``.

    Matches :func:`analyzer.series.downsample_minmax` on the same input: per x bucket the first
    minimum and first maximum, plus the first and last points.
    """
    frame = pl.DataFrame({"x": as_series(xs, "x"), "y": as_series(ys, "y")})
    ok = pl.col("x").is_finite() & pl.col("y").is_finite()
    if log_y:
        ok = ok & (pl.col("y") > 0)
    frame = frame.filter(ok.fill_null(False))
    if not frame.get_column("x").is_sorted():
        frame = frame.sort("x", maintain_order=True)
    n = frame.height
    columns = max(1, int(columns))
    if n <= 2 * columns + 2:
        return frame.get_column("x").to_list(), frame.get_column("y").to_list()
    x0, x1 = frame.get_column("x")[0], frame.get_column("x")[-1]
    span = (x1 - x0) or 1.0
    inner = (
        frame.with_row_index("i")
        .slice(1, n - 2)
        .with_columns(
            ((pl.col("x") - x0) * columns / span)
            .floor()
            .clip(0, columns - 1)
            .cast(pl.Int64)
            .alias("b")
        )
    )
    picks = inner.group_by("b").agg(
        pl.col("i").get(pl.col("y").arg_min()).alias("lo"),
        pl.col("i").get(pl.col("y").arg_max()).alias("hi"),
    )
    keep = (
        pl.concat([pl.Series([0, n - 1], dtype=pl.UInt32), picks["lo"], picks["hi"]])
        .unique()
        .sort()
    )
    out = frame[keep]
    return out.get_column("x").to_list(), out.get_column("y").to_list()
