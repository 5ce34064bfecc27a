"""The tab line at the top and the status bar at the bottom of every screen."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from analyzer.sanitize import clean_text
from analyzer.tui.snapshot import Snapshot


class ScreenTabs(Static):
    """``1 Runs  2 Charts  …`` with the current screen highlighted (tighter when narrow)."""

    DEFAULT_CSS = "ScreenTabs { height: 1; background: $boost; }"

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self._shown: tuple[list[tuple[str, str, str]], str] = ([], "")

    def show(self, entries: list[tuple[str, str, str]], current: str) -> None:
        self._shown = (entries, current)
        width = self.size.width or self.app.size.width
        self.update(tabs_text(entries, current, width))

    def on_resize(self) -> None:
        if self._shown[0]:
            self.show(*self._shown)


def tabs_text(entries: list[tuple[str, str, str]], current: str, width: int) -> Text:
    """The tab line; without the padding around titles when it would not fit ``width``."""
    full = sum(len(k) + len(t) + 4 for _m, k, t in entries) + 8
    pad = " " if full <= width else ""
    text = Text(no_wrap=True, overflow="ellipsis")
    for mode, key, title in entries:
        style = "bold reverse" if mode == current else ""
        text.append(f"{pad}{key} {title}{pad}", style=style)
        text.append("│", style="dim")
    text.append(f"{pad} ? help", style="dim")
    return text


def human(n: float) -> str:
    """1234 → 1.2k, 5_600_000 → 5.6M."""
    for unit, div in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= div:
            return f"{n / div:.1f}{unit}"
    return f"{n:.0f}"


def status_text(snap: Snapshot, marked: int) -> Text:
    """files watched · records/s · unrecognised lines · cache state."""
    files = sum(len(v.files) for v in snap.runs.values())
    text = Text(no_wrap=True, overflow="ellipsis")
    if snap.mode == "live":
        text.append(" ● live ", style="bold green")
    else:
        text.append(f" {snap.mode} ", style="bold")
    if snap.waiting:  # first: the paths must not be cut off at the right edge
        watched = ", ".join(clean_text(p) or "" for p in snap.watched[:3])
        text.append(f"│ waiting for logs under {watched} ", style="yellow")
    text.append(f"│ {files} files in {len(snap.runs)} runs ")
    rate = f", {human(snap.records_per_s)}/s" if snap.mode != "read once" else ""
    text.append(f"│ {human(snap.records)} records{rate} ")
    unrec_style = "yellow" if snap.unrecognised else ""
    text.append(f"│ {human(snap.unrecognised)} unrecognised ", style=unrec_style)
    text.append(f"│ cache {snap.cache} ")
    if marked:
        text.append(f"│ {marked} marked ", style="bold")
    return text


class StatusBar(Static):
    DEFAULT_CSS = "StatusBar { height: 1; background: $panel; }"

    def show(self, snap: Snapshot, marked: int) -> None:
        self.update(status_text(snap, marked))
