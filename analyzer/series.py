"""Headless helpers for plotting series: smoothing, downsampling and x-axis modes.

Pure functions on plain lists (no polars, no numpy) so the TUI, a report or a test can use them
on any data. Conventions follow TensorBoard (debiased EMA; x as step, relative or wall time)
and the lesson W&B learned about downsampling: keep each screen column's min and max, and the
first and last point, so a single-step loss spike is never hidden.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

#: The x-axis modes a chart can use.
X_MODES: tuple[str, ...] = ("step", "relative", "wall")


def _finite(v: float | None) -> bool:
    return v is not None and math.isfinite(v)


def ema(values: Sequence[float | None], weight: float) -> list[float | None]:
    """TensorBoard's debiased exponential moving average.

    ``weight`` in [0, 1): 0 returns the values unchanged. Non-finite or missing values are passed
    through and do not move the average, as TensorBoard does.
    """
    if not 0.0 <= weight < 1.0:
        raise ValueError(f"smoothing weight must be in [0, 1), got {weight}")
    if weight == 0.0:
        return list(values)
    out: list[float | None] = []
    last = 0.0
    n = 0
    for v in values:
        if not _finite(v):
            out.append(v)
            continue
        last = last * weight + (1.0 - weight) * float(v)  # type: ignore[arg-type]
        n += 1
        out.append(last / (1.0 - weight**n))
    return out


def finite_points(
    xs: Sequence[float | None], ys: Sequence[float | None]
) -> tuple[list[float], list[float]]:
    """Only the points where both x and y are finite numbers."""
    fx: list[float] = []
    fy: list[float] = []
    for x, y in zip(xs, ys, strict=True):
        if _finite(x) and _finite(y):
            fx.append(float(x))  # type: ignore[arg-type]
            fy.append(float(y))  # type: ignore[arg-type]
    return fx, fy


def downsample_minmax(
    xs: Sequence[float], ys: Sequence[float], columns: int
) -> tuple[list[float], list[float]]:
    """At most about ``2 * columns + 2`` points that draw like the full series.

    ``xs`` must be sorted ascending and every value finite (see :func:`finite_points`). The x
    range is cut into ``columns`` equal buckets; each bucket keeps its minimum and its maximum
    (in x order), and the first and last points are always kept. A series already short enough
    is returned as is.
    """
    n = len(xs)
    if len(ys) != n:
        raise ValueError("xs and ys differ in length")
    columns = max(1, int(columns))
    if n <= 2 * columns + 2:
        return list(xs), list(ys)
    x0, x1 = xs[0], xs[-1]
    span = (x1 - x0) or 1.0
    keep: list[int] = [0]
    bucket = -1
    lo = hi = 0
    for i in range(1, n - 1):
        b = min(columns - 1, int((xs[i] - x0) * columns / span))
        if b != bucket:
            if bucket >= 0:
                keep.extend(sorted({lo, hi}))
            bucket, lo, hi = b, i, i
            continue
        if ys[i] < ys[lo]:
            lo = i
        elif ys[i] > ys[hi]:
            hi = i
    if bucket >= 0:
        keep.extend(sorted({lo, hi}))
    keep.append(n - 1)
    return [xs[i] for i in keep], [ys[i] for i in keep]


def parse_timestamp(text: str | None) -> float | None:
    """An ISO 8601 timestamp → POSIX seconds (naive times are local time), else None."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.strip().replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def x_values(
    mode: str,
    steps: Sequence[int | None],
    timestamps: Sequence[str | None] | None = None,
    step_times_ms: Sequence[float | None] | None = None,
) -> list[float | None] | None:
    """The x coordinate of each point in ``mode`` (``step``, ``relative`` or ``wall``).

    ``relative`` is seconds since the first point: from the timestamps when the lines have them,
    else the running sum of the step times. ``wall`` is POSIX seconds and needs timestamps.
    Returns None when the mode cannot be computed from what the logs hold.
    """
    if mode == "step":
        return [None if s is None else float(s) for s in steps]
    if mode not in X_MODES:
        raise ValueError(f"unknown x mode {mode!r}; expected one of {', '.join(X_MODES)}")
    wall = [parse_timestamp(t) for t in timestamps] if timestamps else []
    if any(w is not None for w in wall):
        if mode == "wall":
            return list(wall)
        first = next(w for w in wall if w is not None)
        return [None if w is None else w - first for w in wall]
    if mode == "relative" and step_times_ms and any(_finite(t) for t in step_times_ms):
        total = 0.0
        out: list[float | None] = []
        for t in step_times_ms:
            if _finite(t):
                total += float(t) / 1000.0  # type: ignore[arg-type]
            out.append(total)
        return out
    return None
