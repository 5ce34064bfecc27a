"""The rank × step heatmap: one row per rank, one cell per bucket of steps, sized to fit."""

from __future__ import annotations

import statistics

from rich.text import Text
from textual.app import RenderResult
from textual.widget import Widget

from analyzer.tui.rankgrid import RankGrid

#: rank label, typical value, last-line age, flag, separator.
LABEL_WIDTH = 8 + 10 + 7 + 7 + 2


def _cell_style(ratio: float | None) -> tuple[str, str]:
    if ratio is None:
        return "·", "dim"
    if ratio <= 1.05:
        return "█", "green"
    if ratio <= 1.15:
        return "█", "yellow"
    return "█", "bold red"


def _buckets(steps: list[int], width: int) -> list[list[int]]:
    if not steps:
        return []
    width = max(1, width)
    if len(steps) <= width:
        return [[s] for s in steps]
    per = len(steps) / width
    return [steps[int(i * per) : int((i + 1) * per)] for i in range(width)]


def _age(age: float | None, live: bool) -> str:
    """A rank's last line: before now (live run) or before the run's end (``at end``)."""
    if age is None:
        return "-"
    if age < 1:
        return "now" if live else "at end"
    if age < 3600:
        return f"-{age:.0f}s"
    return f"-{age / 3600:.1f}h" if age < 86400 else f"-{age / 86400:.1f}d"


def heatmap_text(grid: RankGrid, width: int) -> Text:
    """The whole heatmap as Rich text ``width`` columns wide."""
    buckets = _buckets(grid.steps, width - LABEL_WIDTH - 1)
    cols: list[dict[int | None, float]] = []
    for b in buckets:
        col: dict[int | None, float] = {}
        for rank, vals in grid.values.items():
            vs = [vals[s] for s in b if s in vals]
            if vs:
                col[rank] = max(vs)
        cols.append(col)
    medians = [statistics.median(c.values()) if c else None for c in cols]
    text = Text(no_wrap=True)
    head = f"{'rank':>8}{'typical':>10}{'last':>7} {'flag':<6}│"
    if buckets:
        head += f"steps {buckets[0][0]}..{buckets[-1][-1]}"
    text.append(head + "\n", style="dim")
    for rank in grid.ranks:
        flag = "SLOW" if rank in grid.slow else ("SILENT" if rank in grid.silent else "")
        label_style = "bold red" if flag else ""
        text.append(f"{'sched' if rank is None else f'rank {rank}':>8}", style=label_style)
        vals = list(grid.values.get(rank, {}).values())
        text.append(f"{statistics.median(vals):10.1f}" if vals else f"{'-':>10}")
        text.append(f"{_age(grid.ages.get(rank), grid.live):>7} ")
        text.append(f"{flag:<6}", style="bold red")
        text.append("│", style="dim")
        for col, med in zip(cols, medians, strict=True):
            v = col.get(rank)
            ratio = None if v is None or not med else v / med
            ch, style = _cell_style(ratio)
            text.append(ch, style=style)
        text.append("\n")
    return text


class RankHeatmap(Widget):
    DEFAULT_CSS = "RankHeatmap { height: auto; width: 1fr; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.grid: RankGrid | None = None

    def show(self, grid: RankGrid | None) -> None:
        self.grid = grid
        self.refresh(layout=True)

    def get_content_height(self, container, viewport, width: int) -> int:  # type: ignore[no-untyped-def]
        return (len(self.grid.ranks) + 1) if self.grid else 1

    def render(self) -> RenderResult:
        if self.grid is None:
            return Text("no run selected", style="dim")
        return heatmap_text(self.grid, self.size.width)
