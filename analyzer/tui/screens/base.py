"""The frame every main screen shares: tabs on top, the screen's body, status bar, footer."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer

from analyzer.tui.widgets.bars import ScreenTabs, StatusBar

if TYPE_CHECKING:
    from analyzer.tui.app import AnalyzerApp


class AnalyzerScreen(Screen):
    """A main screen; subclasses implement :meth:`compose_body` and :meth:`refresh_data`."""

    MODE = ""

    @property
    def tui(self) -> AnalyzerApp:
        return cast("AnalyzerApp", self.app)

    def compose(self) -> ComposeResult:
        yield ScreenTabs(id="tabs")
        yield from self.compose_body()
        yield StatusBar(id="status")
        yield Footer(compact=True)

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_screen_resume(self) -> None:
        self.data_changed()

    def data_changed(self) -> None:
        """New snapshot (or this screen became active): refresh bars and body."""
        app = self.tui
        self.query_one(ScreenTabs).show(app.screen_entries(), self.MODE)
        self.query_one(StatusBar).show(app.snapshot, len(app.marked))
        self.refresh_data()

    def refresh_data(self) -> None:
        """Update the body from ``self.tui.snapshot``."""
