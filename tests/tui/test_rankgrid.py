"""The rank × step grid: slow and silent ranks, and the last-rank-only note."""

from __future__ import annotations

from pathlib import Path

from analyzer.tui.rankgrid import rank_grid
from analyzer.tui.snapshot import RankFileView, RunView
from analyzer.tui.widgets.heatmap import heatmap_text
from tests.tui.views import steps_view


def _view(tmp_path: Path, step_ranks: list[int], mtimes: dict[int, float]) -> RunView:
    steps = [
        {
            "kind": "step",
            "run": "r",
            "rank": rank,
            "source": f"w{rank}",
            "line": s,
            "step": s,
            "step_time_ms": 1000.0 * (1.3 if rank == 2 else 1.0) + s,
        }
        for rank in step_ranks
        for s in range(1, 31)
    ]
    files = tuple(RankFileView(tmp_path / f"w{r}", r, mtimes.get(r, 1000.0), 1) for r in range(4))
    return steps_view(tmp_path, steps, files)


def test_slow_and_silent_ranks_are_flagged(tmp_path: Path) -> None:
    grid = rank_grid(_view(tmp_path, [0, 1, 2, 3], {3: 1000.0 - 300}))
    assert grid.metric is not None and grid.metric.key == "step_time"
    assert grid.slow == {2} and grid.silent == {3} and grid.note is None
    text = heatmap_text(grid, 100).plain
    assert "SLOW" in text and "SILENT" in text and text.count("\n") == 5


def test_last_line_is_relative_to_the_end_of_an_ended_run_and_to_now_of_a_live_one(
    tmp_path: Path,
) -> None:
    view = _view(tmp_path, [0, 1, 2, 3], {1: 997.0})  # rank 1's last line 3 s before the others
    ended = heatmap_text(rank_grid(view), 100).plain.splitlines()
    assert "at end" in ended[1] and "-3s" in ended[2] and "now" not in "".join(ended)
    live = rank_grid(view, now=1010.0)
    assert live.live and live.ages[0] == 10.0 and live.ages[1] == 13.0
    assert live.silent == set()  # silence is measured against the other ranks, not the clock
    lines = heatmap_text(live, 100).plain.splitlines()
    assert "-10s" in lines[1] and "-13s" in lines[2]


def test_last_rank_only_logging_is_explained(tmp_path: Path) -> None:
    grid = rank_grid(_view(tmp_path, [3], {}))
    assert grid.note and "Only rank 3" in grid.note and grid.ranks == [0, 1, 2, 3]


def test_finding_evidence_location() -> None:
    from analyzer.tui.screens.events import evidence_location

    assert evidence_location("/a/b:c/worker_0.log:42") == ("/a/b:c/worker_0.log", 42)
    assert evidence_location(None) == (None, None)
    assert evidence_location({"source": "x", "line": 3}) == ("x", 3)
