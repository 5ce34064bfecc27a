"""One SVG snapshot per screen at 120×36 (fixed data, fixed mtimes, UTC, no clocks shown)."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.tui.app import AnalyzerApp
from analyzer.tui.screens.compare import CompareScreen
from tests.tui.conftest import make_run, wait_for

SIZE = (120, 36)


@pytest.fixture
def fixed_runs(tmp_path: Path) -> Path:
    root = tmp_path / "runs"
    make_run(root, "tp2pp4", base_ms=1800.0, tflops=121.0)
    make_run(root, "tp4pp2", base_ms=2050.0, tflops=108.0)
    make_run(root, "tp2pp2_cp2", base_ms=1950.0, tflops=112.0, steps=30)
    return root


def _before(*keys: str):  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        await wait_for(pilot, lambda: bool(app.snapshot.runs) and app.snapshot.complete)
        await pilot.press(*keys)
        if isinstance(app.screen, CompareScreen):
            screen = app.screen
            await wait_for(pilot, lambda: screen.computed > 0)
        await app.workers.wait_for_complete()
        await pilot.pause(0.3)  # let throttled charts draw their last frame

    return run_before


@pytest.mark.parametrize(
    ("name", "keys"),
    [
        ("runs", ("space",)),
        ("charts", ("2", "s", "s")),
        ("ranks", ("3",)),
        ("compare", ("4",)),
        ("events", ("5",)),
        ("help", ("question_mark",)),
    ],
)
def test_screen_snapshot(snap_compare, fixed_runs: Path, name: str, keys: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    app = AnalyzerApp([str(fixed_runs)], watch=False)
    assert snap_compare(app, terminal_size=SIZE, run_before=_before(*keys))


def test_narrow_terminal_snapshot(snap_compare, fixed_runs: Path) -> None:  # type: ignore[no-untyped-def]
    app = AnalyzerApp([str(fixed_runs)], watch=False)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_before("2"))
