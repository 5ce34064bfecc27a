"""Pilot tests: each screen driven by keys, asserting on state and what is shown."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Input

from analyzer.tui.app import AnalyzerApp
from analyzer.tui.screens.charts import ChartsScreen, parse_zoom
from analyzer.tui.screens.compare import CompareScreen
from analyzer.tui.screens.events import (
    LEVELS,
    EventRow,
    EventsScreen,
    grouped,
    ranks_text,
    short_time,
)
from analyzer.tui.screens.help import HelpScreen
from analyzer.tui.screens.ranks import RanksScreen
from analyzer.tui.screens.runs import RunsScreen
from analyzer.tui.widgets.chart import MetricChart
from analyzer.tui.widgets.heatmap import RankHeatmap
from tests.tui.conftest import wait_for

SIZE = (120, 36)


async def loaded(pilot, app: AnalyzerApp) -> None:  # type: ignore[no-untyped-def]
    await wait_for(pilot, lambda: bool(app.snapshot.runs) and app.snapshot.complete)
    await pilot.pause()


async def test_runs_screen_marks_sorts_and_filters(two_runs: Path) -> None:
    app = AnalyzerApp([str(two_runs)], watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app)
        screen = app.screen
        assert isinstance(screen, RunsScreen)
        table = screen.query_one(DataTable)
        assert table.row_count == 2 and screen.shown_runs == ["tp2pp4", "tp4pp2"]
        row = next(r for r in app.snapshot.rows if r.run == "tp2pp4")
        assert (row.step, row.total, row.strategy) == (40, 40, "-") or row.step == 40
        await pilot.press("space")
        assert app.marked == {"tp2pp4"}
        await pilot.press("s", "s", "s", "s", "s")  # sort by p50 step time
        await pilot.press("S")
        assert screen.shown_runs == ["tp4pp2", "tp2pp4"]
        await pilot.press("slash", *"pp2$", "enter")
        assert screen.shown_runs == ["tp4pp2"] and screen.filter_text == "pp2$"
        await pilot.press("slash", "ctrl+a", "ctrl+k", "(", "enter")  # a bad regex is refused
        assert screen.filter_text == "pp2$"
        await pilot.press("escape", "escape")
        assert len(screen.shown_runs) == 2


async def drawn(pilot, screen, *keys: str) -> None:  # type: ignore[no-untyped-def]
    """Press ``keys``, then wait until what they asked the screen to compute off the UI
    thread (``screen.job``, a Coalesced) is shown."""
    done = screen.job.applied
    await pilot.press(*keys)
    await wait_for(pilot, lambda: screen.job.applied > done and not screen.job.running)


async def shown(pilot, screen) -> None:  # type: ignore[no-untyped-def]
    """Until a screen just switched to shows its first computed data."""
    await wait_for(pilot, lambda: screen.job.applied > 0 and not screen.job.running)


async def test_charts_keys_change_options_and_lines(two_runs: Path) -> None:
    app = AnalyzerApp([str(two_runs)], watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app)
        await pilot.press("2")
        screen = app.screen
        assert isinstance(screen, ChartsScreen)
        await shown(pilot, screen)
        loss = screen.query_one("#chart-loss", MetricChart)
        assert [ln.label for ln in loss.lines] == ["tp2pp4", "tp4pp2"]
        assert len(loss.lines[0].xs) == 40
        await drawn(pilot, screen, "s", "s")
        assert screen.opts.smoothing == 0.8
        assert sum(ln.faint for ln in loss.lines) == 2  # raw series behind the EMA
        await drawn(pilot, screen, "l", "x")
        assert screen.opts.log_y and screen.opts.x_mode == "relative"
        assert loss.lines[-1].xs[1] > 1.0  # seconds from the step times
        await drawn(pilot, screen, "z", *"10:20", "enter")
        assert screen.opts.zoom == (10, 20) and len(loss.lines[-1].xs) == 11
        await drawn(pilot, screen, "Z", "p")
        assert screen.per_rank and [ln.label for ln in loss.lines] == ["rank 3"]
        await drawn(pilot, screen, "f")
        assert screen.single == 0
        await wait_for(pilot, lambda: loss.draw_count > 0)


def test_parse_zoom() -> None:
    assert parse_zoom("5:9") == (5, 9) and parse_zoom("") is None
    assert parse_zoom("7:")[0] == 7


async def test_ranks_screen_says_only_last_rank_logs(two_runs: Path) -> None:
    app = AnalyzerApp([str(two_runs)], watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app)
        await pilot.press("3")
        screen = app.screen
        assert isinstance(screen, RanksScreen)
        await wait_for(pilot, lambda: screen.query_one(RankHeatmap).grid is not None)
        grid = screen.query_one(RankHeatmap).grid
        assert grid is not None and grid.note and "Only rank 3" in grid.note
        assert grid.ranks == [0, 1, 2, 3]
        await pilot.press("right_square_bracket")
        assert app.focus_run == "tp4pp2"


async def test_compare_baseline_and_export(two_runs: Path, tmp_path: Path) -> None:
    app = AnalyzerApp([str(two_runs)], watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app)
        await pilot.press("4")
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        await wait_for(pilot, lambda: screen.computed > 0)
        assert screen.table is not None and screen.table.height == 2
        headers = [str(c.label) for c in screen.query_one(DataTable).columns.values()]
        assert headers[:3] == ["run", "strategy", "status"] and "TFLOP/s" in headers
        assert sum("warm-up" in n for n in screen.notes) == 1  # the core's note, once
        done = screen.computed
        await pilot.press("b")
        await wait_for(pilot, lambda: screen.computed > done)
        assert screen.baseline == "tp2pp4"
        await pilot.press("e")
        target = tmp_path / "out.csv"
        dialog = app.screen
        await pilot.press("down", "down")  # markdown → csv
        dialog.query_one("#path", Input).value = str(target)
        dialog.query_one("#path", Input).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: target.exists())
        assert "tp4pp2" in target.read_text()
        assert not list(tmp_path.glob(".out.csv.*"))  # atomic: no temp file left


async def test_events_lists_alerts_and_help_lists_keys(two_runs: Path) -> None:
    app = AnalyzerApp([str(two_runs)], watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app)
        await pilot.press("5")
        screen = app.screen
        assert isinstance(screen, EventsScreen)
        await shown(pilot, screen)
        assert screen.query_one(DataTable).row_count == len(screen.rows)
        assert LEVELS[screen.level][0] == "warning+"  # the default hides info events
        assert all(e.severity != "info" for e in screen.rows)
        await drawn(pilot, screen, "v")
        assert LEVELS[screen.level][0] == "error+"
        assert all(e.severity in ("error", "fatal") for e in screen.rows)
        await drawn(pilot, screen, "v")
        assert LEVELS[screen.level][0] == "all"
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, EventsScreen)
        await pilot.press("1")
        assert isinstance(app.screen, RunsScreen)


REGISTERED = (
    "[WARNING] DISTRIBUTED(7445,7f4fbdea06c0,python):2026-11-22-13:40:17.528.039"
    " [mindspore/ccsrc/cluster/topology/meta_server_node.cc:254] ProcessRegister] The new"
    " node: {n}(role: MS_WORKER), rank id: {n}, device id: {n}, hostname: vm, ip: 127.0.0.1 is"
    " registered successfully. Currently registered node number: {n}, expected node number: 2\n"
)
TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "train.py", line 3, in <module>\n'
    "RuntimeError: device memory exhausted\n"
)


async def test_events_default_to_warnings_and_say_how_many_are_hidden(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    text = REGISTERED.format(n=0) + REGISTERED.format(n=1) + TRACEBACK
    (run / "scheduler.log").write_text(text)
    app = AnalyzerApp([str(tmp_path)], watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app)
        await pilot.press("5")
        screen = app.screen
        assert isinstance(screen, EventsScreen)
        await shown(pilot, screen)
        assert [e.type for e in screen.rows if not e.type.startswith("alert:")] == ["traceback"]
        head = str(screen.query_one("#events-head").render())
        assert "warnings and errors" in head and "2 less severe hidden" in head
        detail = str(screen.query_one("#events-detail").render())
        assert "device memory exhausted" in detail and "scheduler.log:" in detail
        await drawn(pilot, screen, "v", "v")  # error+ → all
        assert sum(e.type == "node_registered" for e in screen.rows) == 2
        assert "hidden" not in str(screen.query_one("#events-head").render())


def test_the_same_event_from_many_ranks_is_one_row() -> None:
    def ev(rank: int | None, message: str = "deprecated") -> EventRow:
        return EventRow(
            "2025-04-02T14:52:24", "r", rank, None, "warning", "log_warning", message, "f", 1
        )

    rows = grouped([ev(3), ev(2), ev(1), ev(0), ev(0), ev(5, "other")])
    assert [(ranks_text(r.ranks), r.count) for r in rows] == [("0-3", 5), ("5", 1)]
    assert ranks_text((0, 2, 5)) == "0,2,5" and ranks_text(tuple(range(0, 40, 2))) == "20 ranks"
    assert short_time("2025-04-02T14:52:24.123") == "04-02 14:52:24"
