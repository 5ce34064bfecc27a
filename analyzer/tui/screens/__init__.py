"""The registry of main screens: the one place a screen is added (e.g. Launch).

Each entry is a Textual mode: its key switches to it, its title shows in the tab line, and it
gets a command-palette entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.screen import Screen


@dataclass(frozen=True)
class ScreenEntry:
    mode: str
    key: str
    title: str
    factory: Callable[[], Screen]
    help: str


def screen_entries() -> list[ScreenEntry]:
    from analyzer.tui.screens.charts import ChartsScreen
    from analyzer.tui.screens.compare import CompareScreen
    from analyzer.tui.screens.events import EventsScreen
    from analyzer.tui.screens.launch import LaunchScreen
    from analyzer.tui.screens.profile import ProfileScreen
    from analyzer.tui.screens.ranks import RanksScreen
    from analyzer.tui.screens.runs import RunsScreen

    return [
        ScreenEntry("runs", "1", "Runs", RunsScreen, "every run: status, progress, speed"),
        ScreenEntry("charts", "2", "Charts", ChartsScreen, "loss, step time, throughput, memory"),
        ScreenEntry("ranks", "3", "Ranks", RanksScreen, "rank × step heatmap of one run"),
        ScreenEntry("compare", "4", "Compare", CompareScreen, "the comparison table, export"),
        ScreenEntry("events", "5", "Events", EventsScreen, "errors, exits, timeouts, alerts"),
        ScreenEntry("profile", "6", "Profile", ProfileScreen, "profiler step breakdown, operators"),
        ScreenEntry("launch", "7", "Launch", LaunchScreen, "start, stop, reorder spec sweeps"),
    ]
