"""Help: every key of every screen, generated from the bindings themselves."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

if TYPE_CHECKING:
    from analyzer.tui.app import AnalyzerApp

KEY_NAMES = {
    "question_mark": "?",
    "slash": "/",
    "space": "space",
    "right_square_bracket": "]",
    "left_square_bracket": "[",
    "escape": "esc",
}


def key_label(key: str) -> str:
    return ", ".join(KEY_NAMES.get(k, k) for k in key.split(","))


def help_table(app: AnalyzerApp) -> Table:
    table = Table(box=None, show_header=False, padding=(0, 2, 0, 0))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column()
    table.add_row(Text("Everywhere", style="bold underline"), "")
    for e in app.entries:
        table.add_row(e.key, f"{e.title}: {e.help}")
    table.add_row("?", "this help")
    table.add_row("ctrl+p", "command palette")
    table.add_row("q", "quit")
    for e in app.entries:
        bindings = getattr(e.factory, "BINDINGS", [])
        table.add_row(Text(e.title, style="bold underline"), "")
        for b in bindings:
            if isinstance(b, Binding):
                table.add_row(key_label(b.key), b.description or b.action)
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,question_mark", "close", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(help_table(cast("AnalyzerApp", self.app)))

    def action_close(self) -> None:
        self.dismiss(None)
