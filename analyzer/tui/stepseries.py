"""The per-step series a chart draws, extended by the rows a live run appended since last time.

``series_frame`` (filter a rank, one row per step, sort) costs ~150 ms on a 1,000,000-step run,
and a live refresh would pay it for every metric. The store only ever appends rows
(:attr:`analyzer.store.RunData.uid`), so for a view of the same run only the rows past those seen
last time are new: when they are all of later steps than the series' last one, the series is
the previous one with theirs appended (exactly what ``series_frame`` gives, since nothing is
replaced or reordered). Anything else (a step logged again, a different reporting rank, another
run) computes the series afresh. Each series carries a *chain* token: every series handed out
with the same token begins with all points of the earlier ones, so the chart and the smoothing
can skip comparing them. Headless: no Textual.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import polars as pl

from analyzer.tui.seriescache import Chain, append_series
from analyzer.tui.snapshot import RunView

#: Rank selector meaning "the run's reporting rank" (the one with the most step rows).
REPORTING = "reporting"

#: The full computation: (view, metric, rank) → frame with at least step and value, by step.
FrameOf = Callable[[RunView, str, int | None], pl.DataFrame]


@dataclass(frozen=True)
class _Series:
    uid: int
    height: int  # rows of the view's steps frame this series covers
    counts: dict[int | None, int]  # step rows per rank, for the reporting rank
    rank: int | None
    xs: pl.Series
    ys: pl.Series
    last_step: int | None
    chain: Chain
    last_row: str | None  # the frame's last row seen: a guard that it stayed


def reporting_of(counts: dict[int | None, int]) -> int | None:
    """The rank with the most step rows (ties: the highest; no rank only when alone)."""
    if not counts:
        return None
    top = max(counts.values())
    ranks = [r for r, c in counts.items() if c == top and r is not None]
    return max(ranks) if ranks else None


def rank_counts(steps: pl.DataFrame) -> dict[int | None, int]:
    counts = steps.group_by("rank").len()
    ranks, lens = counts.get_column("rank").to_list(), counts.get_column("len").to_list()
    return dict(zip(ranks, lens, strict=True))


def _last_row(steps: pl.DataFrame, column: str, height: int) -> str | None:
    """Row ``height - 1`` of ``steps`` (where what a series was built from ends), as its repr:
    exact for floats, and NaN equals NaN."""
    if not height:
        return None
    return repr(tuple(steps.get_column(c)[height - 1] for c in ("rank", "step", column)))


class StepSeries:
    """Step-metric series of runs by (run, metric, rank), kept between calls to be extended."""

    def __init__(self, frame_of: FrameOf, columns: dict[str, str]) -> None:
        self._frame_of = frame_of
        self._columns = columns  # metric → its column in the steps frame
        self._entries: dict[tuple[str, str, object], _Series] = {}
        #: How the last call went: "same", "appended" or "fresh" (for tests and benchmarks).
        self.last_update = ""

    def series(
        self, view: RunView, metric: str, rank: object = REPORTING
    ) -> tuple[pl.Series, pl.Series, Chain]:
        """(steps as float, values, chain) of ``metric`` for one rank (or the reporting one)."""
        key = (view.name, metric, rank)
        old = self._entries.get(key)
        got = self._extended(old, view, metric, rank) if old is not None else None
        if got is None:
            got, self.last_update = self._fresh(view, metric, rank), "fresh"
        self._entries[key] = got
        return got.xs, got.ys, got.chain

    def forget_except(self, names: set[str]) -> None:
        """Drop the series of runs no longer shown."""
        self._entries = {k: v for k, v in self._entries.items() if k[0] in names}

    def _fresh(self, view: RunView, metric: str, rank: object) -> _Series:
        counts = rank_counts(view.steps) if view.steps.height else {}
        which = reporting_of(counts) if rank == REPORTING else rank
        frame = self._frame_of(view, metric, which)  # type: ignore[arg-type]
        steps = frame.get_column("step")
        last = steps[-1] if frame.height else None
        xs, ys = steps.cast(pl.Float64), frame.get_column("value")
        seen = _last_row(view.steps, self._columns[metric], view.steps.height)
        return _Series(view.uid, view.steps.height, counts, which, xs, ys, last, Chain(), seen)  # type: ignore[arg-type]

    def _extended(self, old: _Series, view: RunView, metric: str, rank: object) -> _Series | None:
        steps = view.steps
        if not view.uid or view.uid != old.uid or steps.height < old.height:
            return None
        if _last_row(steps, self._columns[metric], old.height) != old.last_row:
            return None  # not the rows seen before: the store broke its promise
        new = steps.slice(old.height)
        ranks, numbers, values = (
            new.get_column(c).to_list() for c in ("rank", "step", self._columns[metric])
        )
        counts = dict(old.counts)
        for r in ranks:
            counts[r] = counts.get(r, 0) + 1
        which = reporting_of(counts) if rank == REPORTING else rank
        if which != old.rank:
            return None
        picked = [i for i, r in enumerate(ranks) if r == which and numbers[i] is not None]
        self.last_update = "appended" if picked else "same"
        if not picked:
            seen = _last_row(steps, self._columns[metric], steps.height)
            return replace(old, height=steps.height, counts=counts, last_row=seen)
        tail = [numbers[i] for i in picked]
        previous = old.last_step
        for step in tail:
            if previous is not None and step <= previous:
                return None  # a step logged again or out of order: series_frame decides
            previous = step
        xs = append_series(old.xs, pl.Series(old.xs.name, tail, dtype=pl.Float64))
        ys = append_series(
            old.ys, pl.Series(old.ys.name, [values[i] for i in picked], old.ys.dtype)
        )
        seen = _last_row(steps, self._columns[metric], steps.height)
        return _Series(old.uid, steps.height, counts, which, xs, ys, tail[-1], old.chain, seen)
