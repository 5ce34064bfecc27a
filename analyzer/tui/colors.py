"""Stable run colours, readable in a 16-colour terminal.

Each run keeps the colour it got when first seen, in every screen; Rich styles and plotext
colour names are paired so the table, the legend and the chart lines agree.
"""

from __future__ import annotations

from collections.abc import Iterable

#: (Rich style, plotext colour) pairs; all are ANSI 16-colour entries.
PALETTE: tuple[tuple[str, str], ...] = (
    ("cyan", "cyan"),
    ("magenta", "magenta"),
    ("yellow", "orange"),
    ("green", "green"),
    ("bright_blue", "blue+"),
    ("bright_white", "white"),
    ("bright_cyan", "cyan+"),
    ("bright_magenta", "magenta+"),
    ("bright_yellow", "orange+"),
    ("bright_green", "green+"),
    ("bright_red", "red+"),
)

#: Plotext colour for the raw series drawn faint behind a smoothed one.
FAINT = "gray"

#: Rich style of every run status (``analyzer.run_status.STATUSES``; "live" is the TUI's own
#: fallback for a run whose files change), on every screen that shows one.
STATUS_STYLE = {
    "queued": "cyan",
    "running": "bold green",
    "live": "bold green",
    "finished": "green",
    "failed": "bold red",
    "stopped": "yellow",
    "lost": "magenta",
}
#: Statuses of a run that is (or may be) still going: the live dot, and what `x` can stop.
ACTIVE_STATUSES = ("queued", "running", "live")


class RunColours:
    """Run name → palette index, assigned once in first-seen (then name) order."""

    def __init__(self) -> None:
        self._index: dict[str, int] = {}

    def assign(self, names: Iterable[str]) -> None:
        for name in sorted(names):
            if name not in self._index:
                self._index[name] = len(self._index) % len(PALETTE)

    def rich(self, name: str) -> str:
        return PALETTE[self._index.get(name, 0)][0]

    def plotext(self, name: str) -> str:
        return PALETTE[self._index.get(name, 0)][1]


def nth_plotext(i: int) -> str:
    """The i-th palette colour for plotext (used for ranks in per-rank mode)."""
    return PALETTE[i % len(PALETTE)][1]


def nth_rich(i: int) -> str:
    return PALETTE[i % len(PALETTE)][0]
