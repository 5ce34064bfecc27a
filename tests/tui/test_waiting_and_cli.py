"""An empty path waits and says what it watches; the CLI refuses a missing path in one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from textual.widgets import Static

from analyzer.tui.app import AnalyzerApp
from tests.tui.conftest import make_run, wait_for


async def test_empty_path_waits_then_shows_the_run_that_appears(tmp_path: Path) -> None:
    pytest.importorskip("analyzer.live")
    app = AnalyzerApp([str(tmp_path)], watch=True, poll=0.1)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.snapshots_seen > 0)
        assert app.snapshot.waiting
        waiting = app.screen.query_one("#waiting", Static)
        assert waiting.display and str(tmp_path) in str(waiting.render())
        make_run(tmp_path, "late_run", steps=3, total=10)
        await wait_for(pilot, lambda: any(r.step == 3 for r in app.snapshot.rows), timeout=30)
        await pilot.pause()
        assert not app.snapshot.waiting and not waiting.display


async def test_palette_has_an_entry_per_screen(tmp_path: Path) -> None:
    app = AnalyzerApp([str(tmp_path)], watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for e in app.entries:
            assert f"Go to {e.title}" in titles
        assert "Export comparison" in titles and "Help: every key" in titles


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "analyzer", *args], capture_output=True, text=True, timeout=60
    )


def test_cli_missing_path_is_one_line_exit_2(tmp_path: Path) -> None:
    res = _cli("tui", str(tmp_path / "nope"))
    assert res.returncode == 2
    assert res.stderr.strip().count("\n") == 0 and "no such file" in res.stderr
    assert "Traceback" not in res.stderr


def test_cli_help_has_examples() -> None:
    res = _cli("tui", "--help")
    assert res.returncode == 0 and "analyzer tui sample_logs" in res.stdout
