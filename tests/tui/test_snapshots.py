"""One SVG snapshot per screen at 120×36 (fixed data, fixed mtimes, UTC, no clocks shown)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from analyzer.tui.app import AnalyzerApp
from analyzer.tui.screens.compare import CompareScreen
from analyzer.tui.screens.launch import LaunchScreen
from analyzer.tui.screens.profile import ProfileScreen
from tests.profile.conftest import FIXTURE_RUN
from tests.tui.conftest import make_run, wait_for

SIZE = (120, 36)
EXAMPLE_SPEC = (
    Path(__file__).resolve().parents[2]
    / "analyzer/launch/workloads/examples/qwen25_7b_strategies.toml"
)


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
        screen = app.screen
        if isinstance(screen, CompareScreen):
            await wait_for(pilot, lambda: screen.computed > 0)
        if isinstance(screen, ProfileScreen):
            await wait_for(pilot, lambda: screen.summary is not None or screen.error is not None)
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


@pytest.mark.parametrize("size", [SIZE, (80, 24)], ids=["120x36", "80x24"])
def test_profile_snapshot(snap_compare, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    """The PP2 fixture: per-rank breakdown (rank 3 slow), the verdict, top operators."""
    app = AnalyzerApp([str(FIXTURE_RUN)], watch=False)
    assert snap_compare(app, terminal_size=size, run_before=_before("6"))


def _launched(runs: Path, variant: str, status: str, stamp: str, **extra: object) -> None:
    run = runs / f"{variant}-{stamp}"
    run.mkdir(parents=True)
    record = {
        "name": "qwen25-7b",
        "variant": variant,
        "status": status,
        "host": "another-host",  # never reconciled against this machine's processes
        "created": f"2025-01-09T10:{stamp[-4:-2]}:00+0000",
        **extra,
    }
    (run / "run.json").write_text(json.dumps(record), encoding="utf-8")


@pytest.fixture
def launch_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example Qwen2.5-7B sweep with three past runs (no processes, fixed times)."""
    shutil.copy(EXAMPLE_SPEC, tmp_path / EXAMPLE_SPEC.name)
    _launched(tmp_path, "tp2pp4", "finished", "20250109-100000", exit_code=0)
    _launched(tmp_path, "tp4pp2", "failed", "20250109-101500", exit_code=1)
    _launched(tmp_path, "tp4pp2-recompute", "stopped", "20250109-103000")
    monkeypatch.chdir(tmp_path)  # paths show relative to the working directory
    return tmp_path


@pytest.mark.parametrize("size", [SIZE, (80, 24)], ids=["120x36", "80x24"])
def test_launch_snapshot(snap_compare, launch_dir: Path, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    app = AnalyzerApp(["."], watch=False)

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.press("7")
        screen = app.screen
        assert isinstance(screen, LaunchScreen)
        await wait_for(pilot, lambda: "tp2pp4" in screen.latest)
        await pilot.pause(0.1)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
