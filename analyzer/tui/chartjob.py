"""What the Charts screen draws, computed in one go off the UI thread.

The screen captures a :class:`ChartJob` (the snapshot, the chosen runs and the options) on the
UI thread; :func:`compute_charts` builds every shown chart's lines in a worker thread, through
the screen's :class:`ChartCache` (only that worker touches it: one job at a time); the screen
then only hands the lines to its widgets. Headless (no Textual).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from analyzer.tui.chartdata import (
    METRICS,
    ChartCache,
    ChartOptions,
    Line,
    lines_for,
    memory_metric,
    rank_lines,
)
from analyzer.tui.snapshot import Snapshot


@dataclass(frozen=True)
class ChartJob:
    snapshot: Snapshot
    #: (run, plotext colour) of the chosen runs, in order.
    runs: tuple[tuple[str, str], ...]
    per_rank: bool
    #: The run drawn rank by rank in per-rank mode (None: not there, the chosen runs instead).
    focus: str | None
    opts: ChartOptions
    #: Indices into METRICS of the charts on screen.
    shown: tuple[int, ...]


@dataclass(frozen=True)
class ChartResult:
    job: ChartJob
    #: METRICS index → (lines, whether the x axis fell back to step).
    lines: dict[int, tuple[list[Line], bool]]
    memory_title: str
    #: Ranks of the run drawn per rank (0 when not in per-rank mode).
    ranks: int


def _memory_title(job: ChartJob) -> str:
    """Which peak metric is drawn (as in the comparison's peak MB), and over what."""
    snap = job.snapshot
    names = {memory_metric(snap.runs[n].memory) for n, _ in job.runs if n in snap.runs} - {None}
    if not names:
        return "memory (MB)"
    over = "per rank" if job.per_rank else "max of ranks"
    return f"memory {'/'.join(sorted(n for n in names if n))}, {over} (MB)"


def compute_charts(job: ChartJob, cache: ChartCache, colours: Sequence[str]) -> ChartResult:
    """Every shown chart's lines (call off the UI thread; one call at a time per cache)."""
    snap = job.snapshot
    view = snap.runs.get(job.focus or "") if job.per_rank else None
    out: dict[int, tuple[list[Line], bool]] = {}
    for i in job.shown:
        metric = METRICS[i].key
        if view is not None:
            out[i] = rank_lines(view, metric, job.opts, colours, cache)
        else:
            runs = [(snap.runs[n], c) for n, c in job.runs if n in snap.runs]
            out[i] = lines_for(runs, metric, job.opts, cache)
    cache.keep_only(set(snap.runs))
    ranks = 0
    if view is not None:
        ranks = max(view.steps.get_column("rank").n_unique(), view.memory["rank"].n_unique())
    return ChartResult(job, out, _memory_title(job), ranks)
