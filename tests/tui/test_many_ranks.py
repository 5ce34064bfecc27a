"""Many rank files: the Ranks screen shows every rank live, follows appends, stays navigable;
per-rank charts show the spread over ranks and the ranks furthest out."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from analyzer.tui.app import AnalyzerApp
from analyzer.tui.rankgrid import NONE
from analyzer.tui.rankspread import OUTLIERS
from analyzer.tui.screens.charts import ChartsScreen
from analyzer.tui.screens.ranks import RanksScreen
from analyzer.tui.widgets.chart import MetricChart
from analyzer.tui.widgets.heatmap import RankHeatmap
from tests.health.make_runs import START, step_lines
from tests.tui.conftest import wait_for

RANKS = 200
STEPS = 30
SLOW = 7


def _step(rank: int, step: int) -> str:
    ms = 3000.0 * (1.3 if rank == SLOW else 1.0) + rank % 5
    ts = START + timedelta(seconds=3 * step)
    return step_lines(ts, step, 1000, 8.0 - step * 0.01, ms, 65536.0) + "\n"


def _write(run: Path) -> None:
    run.mkdir()
    for rank in range(RANKS):
        body = "".join(_step(rank, s) for s in range(1, STEPS + 1))
        (run / f"worker_{rank}.log").write_text(body, encoding="utf-8")


def _append_step(run: Path, step: int) -> None:
    for rank in range(RANKS):
        with (run / f"worker_{rank}.log").open("a", encoding="utf-8") as fh:
            fh.write(_step(rank, step))


def _shown(heatmap: RankHeatmap) -> list[str]:
    return [heatmap.render_line(y).text for y in range(heatmap.scrollable_content_region.height)]


async def test_ranks_screen_with_many_rank_files(tmp_path: Path) -> None:
    pytest.importorskip("analyzer.live")
    run = tmp_path / "big_run"
    _write(run)
    app = AnalyzerApp([str(run)], watch=True, poll=0.1)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: any(r.step == STEPS for r in app.snapshot.rows), 60)
        await pilot.press("3")
        screen = app.screen
        assert isinstance(screen, RanksScreen)
        heatmap = screen.query_one(RankHeatmap)
        await wait_for(pilot, lambda: heatmap.heat is not None and len(heatmap.heat.rows) == RANKS)
        assert heatmap.grid is not None and heatmap.grid.slow == {SLOW}
        assert all(NONE not in row.cells for row in heatmap.heat.rows)  # every rank has data
        assert f"{RANKS} ranks" in str(screen.query_one("#ranks-title").render())
        shown = _shown(heatmap)
        assert "steps 1..30" in shown[0] and "rank 0" in shown[1]
        assert "SLOW" in shown[1 + SLOW]
        assert len(shown) < RANKS  # only a window of the rows is drawn

        await pilot.press("down", "down")
        assert heatmap.cursor_rank == 2
        await pilot.press("end")
        assert heatmap.cursor_rank == RANKS - 1 and heatmap.scroll_offset.y > 0
        assert f"rank {RANKS - 1}" in _shown(heatmap)[-1]
        await pilot.press("pageup")
        assert heatmap.cursor_rank == RANKS - heatmap.scrollable_content_region.height
        await pilot.press("home")
        assert heatmap.cursor_rank == 0 and heatmap.scroll_offset.y == 0

        _append_step(run, STEPS + 1)

        def every_rank_has_the_new_step() -> bool:
            heat = heatmap.heat
            return (
                heat is not None
                and heat.last_step == STEPS + 1
                and len(heat.rows) == RANKS
                and (all(row.cells[-1] != NONE for row in heat.rows))
            )

        await wait_for(pilot, every_rank_has_the_new_step, 60)
        await pilot.press("1", "3")
        assert app.screen is screen and "rank 0" in _shown(heatmap)[1]


async def test_per_rank_charts_of_many_ranks_show_the_spread_and_the_outliers(
    tmp_path: Path,
) -> None:
    run = tmp_path / "big_run"
    _write(run)
    app = AnalyzerApp([str(run)], watch=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app.snapshot.complete and bool(app.snapshot.rows), 60)
        await pilot.press("2", "p")
        screen = app.screen
        assert isinstance(screen, ChartsScreen) and screen.per_rank
        chart = screen.query_one("#chart-step_time", MetricChart)
        await wait_for(pilot, lambda: any(ln.label.startswith("median") for ln in chart.lines))
        labels = [ln.label for ln in chart.lines]
        assert labels[:3] == [
            f"min of {RANKS} ranks",
            f"max of {RANKS} ranks",
            f"median of {RANKS} ranks",
        ]
        assert labels[3] == f"rank {SLOW}" and len(labels) <= 3 + OUTLIERS
        assert f"{RANKS} ranks: median" in str(screen.query_one("#legend").render())
