"""Live updates from appended lines, and hostile log text never reaching the terminal."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from rich.text import Text
from textual.widgets import RichLog

from analyzer.discover import RankFile, Run
from analyzer.store import records_to_frame
from analyzer.tui.app import AnalyzerApp, SnapshotReady
from analyzer.tui.screens.charts import ChartsScreen
from analyzer.tui.screens.dialogs import LogViewer
from analyzer.tui.screens.events import EventsScreen
from analyzer.tui.snapshot import RankFileView, RunView, Snapshot
from analyzer.tui.widgets.chart import MetricChart
from tests.tui.conftest import run_lines, wait_for

HOSTILE = (
    "\x1b]0;pwned title\x07normal \x1b[2J\x1b[H cursor "
    "\x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\ [bold red]markup[/] [link=http://x]y[/link]"
)


async def test_live_append_updates_table_and_chart(tmp_path: Path) -> None:
    pytest.importorskip("analyzer.live")
    run = tmp_path / "live_run"
    run.mkdir()
    log = run / "worker_0.log"
    log.write_text(run_lines(range(1, 6), 10, 1000.0, 100.0))
    app = AnalyzerApp([str(tmp_path)], watch=True, poll=0.1)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: any(r.step == 5 for r in app.snapshot.rows))
        assert app.source is not None and app.source.mode == "live"
        await pilot.press("2")
        chart = app.screen.query_one("#chart-loss", MetricChart)
        assert isinstance(app.screen, ChartsScreen)
        await wait_for(pilot, lambda: bool(chart.lines) and len(chart.lines[0].xs) == 5)
        with log.open("a") as fh:
            fh.write(run_lines(range(6, 11), 10, 1000.0, 100.0))
        await wait_for(pilot, lambda: any(r.step == 10 for r in app.snapshot.rows))
        await wait_for(pilot, lambda: len(chart.lines[0].xs) == 10)
        await pilot.press("1")
        row = next(r for r in app.snapshot.rows if r.run == "live_run")
        assert (row.step, row.total) == (10, 10)


def _hostile_view(tmp_path: Path) -> RunView:
    src = tmp_path / "evil.log"
    src.write_text("line one\n" + HOSTILE + "\nline three\n")
    rec = {
        "kind": "event",
        "run": "evil",
        "rank": 0,
        "source": str(src),
        "line": 2,
        "severity": "error",
        "type": "log_error",
        "message": HOSTILE,
    }
    empty = {k: records_to_frame(k, []) for k in ("step", "memory", "timer", "config")}
    return RunView(
        name="evil",
        path=tmp_path,
        run=Run("evil", tmp_path, [RankFile(src, 0)]),
        files=(RankFileView(src, 0, 1.0, 10),),
        steps=empty["step"],
        memory=empty["memory"],
        timers=empty["timer"],
        events=records_to_frame("event", [rec]),
        config={},
        config_frame=empty["config"],
        lines=3,
        unrecognised=2,
        notes=(),
    )


def _plain(text: object) -> str:
    assert isinstance(text, Text)
    return text.plain


async def test_hostile_log_text_is_shown_literally_and_without_escapes(tmp_path: Path) -> None:
    app = AnalyzerApp([str(tmp_path)], watch=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app.snapshots_seen > 0)
        app.post_message(
            SnapshotReady(Snapshot(runs={"evil": _hostile_view(tmp_path)}, waiting=False))
        )
        await wait_for(pilot, lambda: "evil" in app.snapshot.runs)
        await pilot.press("5")
        screen = app.screen
        assert isinstance(screen, EventsScreen)
        await wait_for(pilot, lambda: screen.job.applied > 0 and not screen.job.running)
        assert len(screen.rows) == 1
        table = screen.query_one("DataTable")
        message = _plain(table.get_row_at(0)[-1])  # type: ignore[attr-defined]
        assert "\x1b" not in message and "\x07" not in message
        assert "[bold red]markup[/]" in message and "[link=http://x]" in message
        await pilot.press("enter")
        viewer = app.screen
        assert isinstance(viewer, LogViewer)
        await wait_for(pilot, lambda: bool(viewer.shown))
        shown = dict(viewer.shown)[2]
        assert "\x1b" not in shown and "[bold red]markup[/]" in shown
        assert viewer.query_one(RichLog).lines  # rendered
        await pilot.press("escape")
        assert isinstance(app.screen, EventsScreen)


def test_records_frame_shape() -> None:
    assert isinstance(records_to_frame("event", []), pl.DataFrame)
