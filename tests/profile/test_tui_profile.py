"""The Profile screen driven by Pilot over the fixture run."""

from __future__ import annotations

import time

from textual.widgets import DataTable, Static

from analyzer.tui.app import AnalyzerApp
from analyzer.tui.screens.profile import ProfileScreen
from tests.profile.conftest import FIXTURE_RUN


async def _until(pilot, condition, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await pilot.pause(0.05)


async def _open(pilot, app: AnalyzerApp) -> None:  # type: ignore[no-untyped-def]
    """Switch to the Profile mode (registered by the app's screen list when it is there)."""
    if "profile" not in app.MODES:
        app.add_mode("profile", ProfileScreen)
    await pilot.pause()
    await app.switch_mode("profile")
    await pilot.pause()


async def test_profile_screen_shows_bars_slow_rank_and_operators() -> None:
    app = AnalyzerApp([str(FIXTURE_RUN)], watch=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await _open(pilot, app)
        screen = app.screen
        assert isinstance(screen, ProfileScreen)
        await _until(pilot, lambda: screen.summary is not None)
        await pilot.pause()
        bars = str(screen.query_one("#profile-bars", Static).render())
        assert "rank   3" in bars and "Computing" in bars
        verdict = str(screen.query_one("#profile-verdict", Static).render())
        assert verdict.startswith("rank 3:") and "straggler" in verdict
        table = screen.query_one("#profile-ops", DataTable)
        assert table.row_count == 5
        head = str(screen.query_one("#profile-head", Static).render())
        assert "step 6" in head  # the last profiled step first
        await pilot.press("n")
        assert "step 5" in str(screen.query_one("#profile-head", Static).render())


async def test_profile_screen_without_profiler_output(tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = AnalyzerApp([str(tmp_path)], watch=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await _open(pilot, app)
        screen = app.screen
        assert isinstance(screen, ProfileScreen)
        await _until(pilot, lambda: screen.error is not None)
        assert "no profiler output" in screen.error


async def test_key_6_opens_the_registered_profile_screen() -> None:
    app = AnalyzerApp([str(FIXTURE_RUN)], watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("6")
        screen = app.screen
        assert isinstance(screen, ProfileScreen)
        await _until(pilot, lambda: screen.summary is not None)
        assert not screen.reading
