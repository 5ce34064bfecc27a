"""The Launch screen, driven by Pilot: start, reorder, pause and stop runs of a real spec."""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import DataTable

from analyzer.launch import registry
from analyzer.tui.app import AnalyzerApp
from analyzer.tui.screens.launch import LaunchScreen, find_specs, runs_dir_for

GATED = "import os, sys, time\nwhile not os.path.exists(sys.argv[1]): time.sleep(0.05)\n"


def _spec(root: Path) -> Path:
    gate = root / "gate"
    spec = root / "quick.toml"
    spec.write_text(
        'name = "quick"\n'
        f'command = ["{{python}}", "-c", {json.dumps(GATED)}, "{gate}"]\n'
        '[[variants]]\nname = "a"\n[[variants]]\nname = "b"\n[[variants]]\nname = "c"\n',
        encoding="utf-8",
    )
    return spec


async def _until(pilot, pred, what: str, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    import time

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_find_specs_and_runs_dir(tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    entries = find_specs([str(tmp_path)])
    assert [e.path.name for e in entries] == ["quick.toml", "sweep.toml"]
    assert runs_dir_for([str(tmp_path)], spec) == tmp_path.resolve()
    other = tmp_path / "work"
    other.mkdir()
    assert runs_dir_for([str(other)], spec) == other.resolve() / "runs"


async def test_launch_screen_starts_reorders_and_stops(tmp_path: Path) -> None:
    _spec(tmp_path)
    app = AnalyzerApp([str(tmp_path)], watch=False)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = LaunchScreen()
        await app.push_screen(screen)
        await pilot.pause()
        variants = screen.query_one("#launch-variants", DataTable)
        assert screen.variant_names() == ["a", "b", "c"] and variants.row_count == 3
        await pilot.press("p")  # pause first, so the order can be changed before anything starts
        assert screen.queue is not None and screen.queue.paused
        await pilot.press("a")
        await _until(pilot, lambda: len(screen.queue.pending) == 3, "three queued")
        await pilot.press("down", "down", "K", "K")  # c to the front
        assert [p.name.split("-")[0] for p in screen.queue.pending] == ["c", "a", "b"]
        await pilot.press("p")
        await _until(pilot, lambda: screen.latest["c"][1]["status"] == "running", "c running")
        assert screen.latest["a"][1]["status"] == "queued"
        await pilot.press("x")  # stop c (the cursor is on it)
        await _until(pilot, lambda: screen.latest["c"][1]["status"] == "stopped", "c stopped")
        await _until(pilot, lambda: screen.latest["a"][1]["status"] == "running", "a running")
        (tmp_path / "gate").touch()
        await _until(pilot, lambda: screen.latest["b"][1]["status"] == "finished", "b finished")
        assert screen.latest["a"][1]["status"] == "finished"
    statuses = {rec["variant"]: rec["status"] for _p, rec in registry.list_runs(tmp_path)}
    assert statuses == {"a": "finished", "b": "finished", "c": "stopped"}


async def test_key_7_opens_launch_and_enter_starts_the_variant(tmp_path: Path) -> None:
    _spec(tmp_path)
    app = AnalyzerApp([str(tmp_path)], watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("7")
        screen = app.screen
        assert isinstance(screen, LaunchScreen)
        await pilot.press("down", "enter")  # the variants table has the focus: start "b"
        await _until(pilot, lambda: "b" in screen.latest, "b launched")
        assert set(screen.latest) == {"b"}
        await pilot.press("x")
        (tmp_path / "gate").touch()
        await _until(pilot, lambda: screen.latest["b"][1]["status"] in registry.TERMINAL, "b ended")
    assert [rec["variant"] for _p, rec in registry.list_runs(tmp_path)] == ["b"]


async def test_quitting_the_tui_stops_what_the_launch_screen_started(tmp_path: Path) -> None:
    from tests.launch.helpers import processes_mentioning

    _spec(tmp_path)  # the gate never opens: the run would go on forever
    app = AnalyzerApp([str(tmp_path)], watch=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("7")
        screen = app.screen
        assert isinstance(screen, LaunchScreen)
        await pilot.press("enter")
        await _until(
            pilot,
            lambda: screen.latest.get("a", (None, {}))[1].get("status") == "running",
            "a running",
        )
        await pilot.press("q")
    assert [rec["status"] for _p, rec in registry.list_runs(tmp_path)] == ["stopped"]
    assert processes_mentioning(str(tmp_path)) == []


def test_differs_in_shows_the_launchers_worker_count() -> None:
    from analyzer.launch.spec import WORKLOADS_DIR, load_spec
    from analyzer.tui.screens.launch import varying_params

    differs = varying_params(load_spec(WORKLOADS_DIR / "sweep.toml"))
    assert differs["dp1"].startswith("worker_num=1 ") and "profile=true" in differs["dp1"]
    assert differs["dp2"] == "worker_num=2 recompute=none seq=64 profile=false"
    assert differs["dp2-seq256"].startswith("worker_num=2 ") and "seq=256" in differs["dp2-seq256"]
