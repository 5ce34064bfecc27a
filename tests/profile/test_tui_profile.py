"""The Profile screen driven by Pilot over the fixture run."""

from __future__ import annotations

import shutil
import time

from textual.widgets import DataTable, Static

from analyzer.tui.app import AnalyzerApp
from analyzer.tui.screens.profile import ProfileScreen
from tests.profile.conftest import FIXTURE_RUN
from tests.profile.test_runs import RANK3


async def _until(pilot, condition, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await pilot.pause(0.05)


async def _press_6(pilot, app: AnalyzerApp) -> ProfileScreen:  # type: ignore[no-untyped-def]
    """Key 6, as a user opens it: the Profile screen."""
    await pilot.press("6")
    screen = app.screen
    assert isinstance(screen, ProfileScreen)
    return screen


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
        screen = await _press_6(pilot, app)
        await _until(pilot, lambda: screen.summary is not None)
        assert not screen.reading


async def test_profile_screen_follows_the_focused_run(tmp_path) -> None:  # type: ignore[no-untyped-def]
    for name in ("a", "b"):
        shutil.copytree(FIXTURE_RUN, tmp_path / name)
    csv = tmp_path / "b" / RANK3
    csv.write_text(csv.read_text().replace("5,150000.0,", "5,300000.0,"))
    app = AnalyzerApp([str(tmp_path)], watch=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await _until(pilot, lambda: len(app.snapshot.runs) == 2)
        screen = await _press_6(pilot, app)
        await _until(pilot, lambda: screen.summary is not None and not screen.reading)
        assert screen.summary.run == "a" and len(screen.report.runs) == 1
        await pilot.press("right_square_bracket")
        assert app.focus_run == "b"
        await _until(pilot, lambda: screen.summary is not None and screen.summary.run == "b")
        ranks = screen.summary.ranks
        row = ranks.filter((ranks["rank"] == 3) & (ranks["step"] == 5))
        assert row["computing_us"].to_list() == [300_000.0]
        assert str(screen.query_one("#profile-head", Static).render()).startswith("b ")


async def test_profile_written_after_the_screen_opened_appears(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The live demo: the screen is open before the profiler writes; it re-reads by itself."""
    monkeypatch.setattr(ProfileScreen, "POLL", 0.1)
    run = tmp_path / "run"
    shutil.copytree(FIXTURE_RUN / "msrun_log", run / "msrun_log")
    app = AnalyzerApp([str(run)], watch=False)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await _press_6(pilot, app)
        await _until(pilot, lambda: screen.error is not None)
        assert "no profiler output" in screen.error
        shutil.copytree(FIXTURE_RUN / "prof", run / "prof")
        await _until(pilot, lambda: screen.summary is not None)
        assert screen.error is None and screen.summary.ranks.height == 8
        applied = screen.job.applied
        await _until(pilot, lambda: screen.job.applied >= applied + 2)  # unchanged: kept
        assert screen.summary is not None and screen.summary.ranks.height == 8


async def test_operator_types_only_and_no_step_data(tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "r0_ascend_pt" / "ASCEND_PROFILER_OUTPUT"
    out.mkdir(parents=True)
    (out / "op_statistic.csv").write_text(
        "OP Type,Core Type,Count,Total Time(us)\nMatMulV3,AI_CORE,2,1000.0\n"
    )
    app = AnalyzerApp([str(tmp_path)], watch=False)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await _press_6(pilot, app)
        await _until(pilot, lambda: screen.summary is not None)
        await pilot.pause()
        table = screen.query_one("#profile-ops", DataTable)
        assert table.row_count == 1 and "MatMulV3" in table.get_row_at(0)
        assert next(str(c.label) for c in table.columns.values()) == "operator type"
        verdict = str(screen.query_one("#profile-verdict", Static).render())
        assert "no slow rank stands out" not in verdict and "no per-step data" in verdict
