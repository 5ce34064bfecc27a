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


#: Longer explanations than the footer's one-word descriptions, by action.
LONG_HELP = {
    "mark": "mark / unmark the run for Charts and Compare (none marked = all)",
    "filter": "filter runs by a regex over name and strategy (Esc clears)",
    "sort": "sort by the next column (or click a header)",
    "reverse": "reverse the sort order",
    "charts": "open Charts for the marked runs",
    "ranks": "open Ranks for the run under the cursor",
    "mark_all": "mark every shown run",
    "clear_marks": "unmark every run",
    "smooth(1)": "more EMA smoothing (TensorBoard's debiased EMA; raw series faint behind)",
    "smooth(-1)": "less smoothing",
    "log_y": "toggle a logarithmic y axis",
    "x_mode": "x axis: step → relative time → wall time",
    "zoom": "zoom to a step range FROM:TO",
    "unzoom": "show every step again",
    "per_rank": "per-rank mode: each rank of the run under the cursor in Runs (more than 12: "
    "their min/median/max and the 6 furthest out)",
    "focus_metric": "one chart full size / all four",
    "metric": "next per-rank metric (step time, memory, timers)",
    "run(1)": "next run",
    "run(-1)": "previous run",
    "baseline": "make the row under the cursor the baseline (deltas in %)",
    "clear_baseline": "no baseline",
    "export": "export the table (format dialog; atomic; says where it wrote)",
    "open": "the raw log lines around the record (source file and line)",
    "level": "cycle severity: warning+ (default) → error+ → all (info lifecycle events too)",
    "reload": "read the profiler output again",
    "step(1)": "next profiled step",
    "step(-1)": "previous profiled step",
    "start": "start the variant under the cursor (queued behind running runs)",
    "start_all": "queue every variant of the spec under the cursor",
    "stop": "stop the variant's run: SIGTERM to all its processes, SIGKILL after a grace period",
    "move(-1)": "move the variant's queued run earlier",
    "move(1)": "move the variant's queued run later",
    "pause": "pause / resume the queue (running runs go on)",
    "rescan": "look for spec files again",
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
                table.add_row(key_label(b.key), LONG_HELP.get(b.action, b.description or b.action))
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,question_mark", "close", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(help_table(cast("AnalyzerApp", self.app)))

    def action_close(self) -> None:
        self.dismiss(None)
