"""Small modal screens: the export dialog and the raw-log viewer."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label, OptionList, RichLog, Static

from analyzer.atomic import atomic_write_text
from analyzer.errors import InputError
from analyzer.sanitize import clean_text
from analyzer.tui.comparison import EXTENSIONS, FORMATS, comparison, render

if TYPE_CHECKING:
    from analyzer.tui.app import AnalyzerApp


class ExportDialog(ModalScreen[str | None]):
    """Pick a format and a path; writes the comparison atomically and says where."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, baseline: str | None) -> None:
        super().__init__()
        self.baseline = baseline
        self.fmt = "markdown"
        self.written: Path | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(Text("Export the comparison table", style="bold"))
            yield OptionList(*FORMATS, id="formats")
            yield Input(value=self._default_path(), id="path")
            yield Checkbox("overwrite an existing file", id="force")
            yield Static(Text("Enter writes · Esc cancels", style="dim"), id="export-msg")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = FORMATS.index(self.fmt)
        options.focus()

    def _default_path(self) -> str:
        return f"comparison.{EXTENSIONS[self.fmt]}"

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        path = self.query_one("#path", Input)
        was_default = path.value == self._default_path()
        self.fmt = FORMATS[event.option_index]
        if was_default:
            path.value = self._default_path()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.export()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.export()

    @work(thread=True, exclusive=True, group="export")
    def export(self) -> None:
        app = cast("AnalyzerApp", self.app)
        path = Path(self.query_one("#path", Input).value).expanduser()
        force = self.query_one("#force", Checkbox).value
        try:
            result, table, _ = comparison(app.snapshot, app.chosen_runs(), self.baseline)
            atomic_write_text(path, render(result, table, self.fmt), force=force)
        except (InputError, ValueError, OSError) as exc:
            app.call_from_thread(self._message, Text(f"not written: {exc}", style="bold red"))
            return
        self.written = path.resolve()
        app.call_from_thread(self._done, self.written)

    def _message(self, text: Text) -> None:
        self.query_one("#export-msg", Static).update(text)

    def _done(self, path: Path) -> None:
        self.app.notify(f"wrote {path}", title="export")
        self.dismiss(str(path))

    def action_cancel(self) -> None:
        self.dismiss(None)


def read_around(path: Path, line: int, context: int = 20) -> list[tuple[int, str]]:
    """Lines ``line-context .. line+context`` of ``path`` (1-based numbers), decoded leniently."""
    first = max(1, line - context)
    with open(path, "rb") as fh:
        chunk = itertools.islice(fh, first - 1, line + context)
        return [
            (i, raw.decode("utf-8", "replace").rstrip("\r\n")) for i, raw in enumerate(chunk, first)
        ]


class LogViewer(ModalScreen[None]):
    """The raw lines around one record, sanitised, the record's line highlighted."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,enter", "close", "Close")]

    def __init__(self, source: str, line: int) -> None:
        super().__init__()
        self.source, self.line = source, line
        self.shown: list[tuple[int, str]] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="viewer"):
            yield Label(Text(f"{clean_text(self.source)}:{self.line}", style="bold"))
            yield RichLog(id="raw", wrap=False, markup=False, highlight=False)

    def on_mount(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="viewer")
    def load(self) -> None:
        try:
            lines = read_around(Path(self.source), self.line)
        except OSError as exc:
            lines = [(0, f"cannot read: {exc.strerror}")]
        self.app.call_from_thread(self._show, lines)

    def _show(self, lines: list[tuple[int, str]]) -> None:
        self.shown = [(n, clean_text(t) or "") for n, t in lines]
        log = self.query_one(RichLog)
        for n, text in self.shown:
            style = "reverse" if n == self.line else ""
            row = Text(f"{n:>7} ", style="dim") + Text(text, style=style)
            log.write(row)

    def action_close(self) -> None:
        self.dismiss(None)
