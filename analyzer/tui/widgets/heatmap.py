"""The rank × step heatmap: one row per rank, one cell per bucket of steps, sized to fit.

The cells come ready-made from :func:`analyzer.tui.rankgrid.heat_layout` (computed off the UI
thread); this widget only draws the rows in view (Textual's line API), so a thousand ranks cost
what a screenful costs. The header line stays put; a cursor row moves with the arrow keys.
"""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from analyzer.tui.rankgrid import HOT, NONE, OK, WARM, HeatLayout, HeatRow, RankGrid, heat_layout

#: rank label, typical value, last-line age, flag, separator.
LABEL_WIDTH = 8 + 10 + 7 + 7 + 2
#: What each cell code of a layout is drawn as.
CELL_STYLE = {NONE: ("·", "dim"), OK: ("█", "green"), WARM: ("█", "yellow"), HOT: ("█", "bold red")}


def cell_columns(width: int) -> int:
    """How many cells fit beside the labels in ``width`` columns."""
    return max(1, width - LABEL_WIDTH - 1)


def _age(age: float | None, live: bool) -> str:
    """A rank's last line: before now (live run) or before the run's end (``at end``)."""
    if age is None:
        return "-"
    if age < 1:
        return "now" if live else "at end"
    if age < 3600:
        return f"-{age:.0f}s"
    return f"-{age / 3600:.1f}h" if age < 86400 else f"-{age / 86400:.1f}d"


def header_text(layout: HeatLayout) -> Text:
    head = f"{'rank':>8}{'typical':>10}{'last':>7} {'flag':<6}│"
    if layout.first_step is not None:
        head += f"steps {layout.first_step}..{layout.last_step}"
    return Text(head, style="dim", no_wrap=True)


def row_text(row: HeatRow, live: bool) -> Text:
    """One rank's line: label, typical value, last line, flag, then its cells."""
    text = Text(no_wrap=True)
    label_style = "bold red" if row.flag else ""
    text.append(f"{'sched' if row.rank is None else f'rank {row.rank}':>8}", style=label_style)
    text.append(f"{row.typical:10.1f}" if row.typical is not None else f"{'-':>10}")
    text.append(f"{_age(row.age, live):>7} ")
    text.append(f"{row.flag:<6}", style="bold red")
    text.append("│", style="dim")
    start = 0
    cells = row.cells
    while start < len(cells):  # one span per run of equal cells
        end = start
        while end < len(cells) and cells[end] == cells[start]:
            end += 1
        char, style = CELL_STYLE[cells[start]]
        text.append(char * (end - start), style=style)
        start = end
    return text


def heatmap_text(grid: RankGrid, width: int) -> Text:
    """The whole heatmap as Rich text ``width`` columns wide (tests, plain output)."""
    layout = heat_layout(grid, cell_columns(width))
    text = header_text(layout)
    text.append("\n")
    for row in layout.rows:
        text.append_text(row_text(row, layout.live))
        text.append("\n")
    return text


class RankHeatmap(ScrollView, can_focus=True):
    """Shows a :class:`HeatLayout`; ``cursor`` is the index of the highlighted rank row."""

    DEFAULT_CSS = """
    RankHeatmap { height: 1fr; width: 1fr; overflow-x: hidden; scrollbar-size-vertical: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "cursor(-1000000000)", "First rank", show=False),
        Binding("end", "cursor(1000000000)", "Last rank", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.grid: RankGrid | None = None
        self.heat: HeatLayout | None = None
        self.cursor = 0

    @property
    def columns(self) -> int:
        """Cells that fit in the widget's current width."""
        return cell_columns(self.scrollable_content_region.width or self.size.width)

    @property
    def cursor_rank(self) -> int | None:
        rows = self.heat.rows if self.heat else ()
        return rows[self.cursor].rank if 0 <= self.cursor < len(rows) else None

    def show(self, grid: RankGrid | None, layout: HeatLayout | None) -> None:
        self.grid, self.heat = grid, layout
        rows = len(layout.rows) if layout else 0
        self.cursor = max(0, min(self.cursor, rows - 1))
        self.virtual_size = Size(self.scrollable_content_region.width, rows + 1)
        self.refresh()

    # navigation ------------------------------------------------------------------------------
    def action_cursor(self, delta: int) -> None:
        rows = len(self.heat.rows) if self.heat else 0
        self.cursor = max(0, min(rows - 1, self.cursor + delta))
        self._keep_in_view()
        self.refresh()

    def action_page(self, direction: int) -> None:
        self.action_cursor(direction * max(1, self.scrollable_content_region.height - 1))

    def _keep_in_view(self) -> None:
        shown = max(1, self.scrollable_content_region.height - 1)  # below the header
        top = round(self.scroll_offset.y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + shown:
            self.scroll_to(y=self.cursor - shown + 1, animate=False)

    def on_focus(self) -> None:
        self.refresh()  # the cursor row shows only while focused

    def on_blur(self) -> None:
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        if event.y >= 1 and self.heat is not None:
            index = round(self.scroll_offset.y) + event.y - 1
            if index < len(self.heat.rows):
                self.cursor = index
                self.refresh()

    # drawing ---------------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if self.heat is None:
            text = Text("no run selected", style="dim") if y == 0 else Text()
        elif y == 0:
            text = header_text(self.heat)
        else:
            index = round(self.scroll_offset.y) + y - 1
            if index >= len(self.heat.rows):
                return Strip.blank(width, self.rich_style)
            text = row_text(self.heat.rows[index], self.heat.live)
            if index == self.cursor and self.has_focus:
                text.stylize("reverse", 0, 8)  # the rank label
        segments = list(Segment.apply_style(text.render(self.app.console), self.rich_style))
        return Strip(segments).crop_extend(0, width, self.rich_style or Style())
