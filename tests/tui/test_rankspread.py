"""Per-rank charts of many ranks: the spread over ranks and the ranks that leave it."""

from __future__ import annotations

from pathlib import Path

from analyzer.tui.rankspread import outlier_ranks, rank_values, spread_series
from analyzer.tui.snapshot import RankFileView, RunView
from tests.tui.views import steps_view

RANKS = 20


def _view(tmp_path: Path, slow: dict[int, float]) -> RunView:
    steps = [
        {
            "kind": "step",
            "run": "r",
            "rank": rank,
            "source": f"w{rank}",
            "line": s,
            "step": s,
            "loss": 5.0 - s * 0.1,
            "step_time_ms": 1000.0 * slow.get(rank, 1.0) + s,
        }
        for rank in range(RANKS)
        for s in range(1, 11)
    ]
    files = tuple(RankFileView(tmp_path / f"w{r}", r, 1000.0, 1) for r in range(RANKS))
    return steps_view(tmp_path, steps, files)


def test_spread_and_the_ranks_furthest_out(tmp_path: Path) -> None:
    values = rank_values(_view(tmp_path, {5: 1.5, 11: 1.2, 2: 0.9}), "step_time", None)
    assert values.height == RANKS * 10
    series = spread_series(values, count=2)
    assert [s.label for s in series] == [
        "min of 20 ranks",
        "max of 20 ranks",
        "median of 20 ranks",
        "rank 5",
        "rank 11",
    ]
    by_role = {s.role: s.frame for s in series if s.role != "rank"}
    assert by_role["max"]["value"].to_list()[0] == 1501.0  # step 1: the slow rank
    assert by_role["min"]["value"].to_list()[0] == 901.0
    assert by_role["median"]["value"].to_list()[0] == 1001.0
    assert series[3].frame.columns == ["step", "value", "timestamp", "step_time_ms"]
    assert series[3].frame["value"].to_list()[:2] == [1501.0, 1502.0]


def test_ranks_that_agree_are_no_outliers(tmp_path: Path) -> None:
    values = rank_values(_view(tmp_path, {}), "loss", None)
    assert outlier_ranks(values) == []
    assert [s.role for s in spread_series(values)] == ["min", "max", "median"]
