"""Profile: where the step time goes, from the profiler output under the watched paths.

The same core as ``analyzer profile`` (:func:`analyzer.profile.profile_paths`), run in a
worker thread when the screen is first shown (``r`` reads again). Per rank a stacked bar of
Computing / Communication(Not Overlapped) / Free (msprof-analyze's step breakdown, scaled to the
longest step), the slow ranks with their cause, and the top operators.
"""

from __future__ import annotations

from typing import ClassVar

import polars as pl
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

from analyzer.errors import InputError
from analyzer.profile import ProfileSummary
from analyzer.sanitize import clean_text
from analyzer.tui.screens.base import AnalyzerScreen

SEGMENTS = (
    ("computing_us", "Computing", "green"),
    ("communication_not_overlapped_us", "Comm(Not Overlapped)", "red"),
    ("free_us", "Free", "yellow"),
)
BAR_WIDTH = 60


def breakdown_text(ranks: pl.DataFrame, step: int | None, width: int = BAR_WIDTH) -> Text:
    """One stacked bar per rank for ``step`` (all rows when the steps are unknown)."""
    text = Text()
    rows = ranks if step is None else ranks.filter(pl.col("step") == step)
    longest = float(rows["step_us"].max() or 0.0) if not rows.is_empty() else 0.0
    for r in rows.sort("stage", "rank", nulls_last=True).iter_rows(named=True):
        text.append(f"rank {r['rank']!s:>3} st{r.get('stage')!s:<2} ", style="bold")
        used = 0
        for col, _label, colour in SEGMENTS:
            value = r.get(col) or 0.0
            cells = round(value / longest * width) if longest else 0
            cells = min(cells, width - used)
            text.append("█" * cells, style=colour)
            used += cells
        text.append(" " * (width - used))
        text.append(f" {(r['step_us'] or 0) / 1000:,.1f} ms")
        pct = [f"{r.get(c.replace('_us', '_pct')) or 0:.0f}%" for c, _, _ in SEGMENTS]
        text.append("  " + " / ".join(pct) + "\n", style="dim")
    for _col, label, colour in SEGMENTS:
        text.append("█ ", style=colour)
        text.append(f"{label}  ", style="dim")
    return text


def bar_width(columns: int) -> int:
    """Cells for the stacked bar: what is left beside the labels, ms and shares (10..60)."""
    return max(10, min(BAR_WIDTH, columns - 13 - 12 - 20))


def verdict_text(summary: ProfileSummary) -> Text:
    text = Text()
    if not summary.slow_ranks and not summary.slow_stages:
        text.append("no slow rank stands out\n", style="dim")
    for s in summary.slow_ranks:
        text.append(f"rank {s['rank']}: ", style="bold red" if s["straggler"] else "bold yellow")
        text.append(clean_text(s["reason"]) or "")
        text.append("\n")
    for s in summary.slow_stages:
        text.append(f"stage {s['stage']}: ", style="bold yellow")
        text.append((clean_text(s["reason"]) or "") + "\n")
    for note in summary.notes[:4]:
        text.append(f"note: {clean_text(note)}\n", style="dim")
    return text


class ProfileScreen(AnalyzerScreen):
    MODE = "profile"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "reload", "Read again"),
        Binding("n", "step(1)", "Next step"),
        Binding("p", "step(-1)", "Prev step", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.summary: ProfileSummary | None = None
        self.error: str | None = None
        self.reading = False
        self.step_index = -1
        self._operators_of: ProfileSummary | None = None

    def compose_body(self) -> ComposeResult:
        yield Static(id="profile-head")
        with VerticalScroll(id="profile-body"):
            yield Static(id="profile-bars")
            yield Static(id="profile-verdict")
            yield DataTable(id="profile-ops", cursor_type="row", zebra_stripes=True)

    def refresh_data(self) -> None:
        if self.summary is None and self.error is None and not self.reading:
            self.action_reload()
        self.show()

    def action_reload(self) -> None:
        self.reading = True
        self.query_one("#profile-head", Static).update(
            Text("reading profiler output…", style="dim")
        )
        self.load(list(self.tui.paths))

    @work(thread=True, exclusive=True, group="profile")
    def load(self, paths: list[str]) -> None:
        summary, error = profile_paths_safe(paths)  # never raises
        self.app.call_from_thread(self.loaded, summary, error)

    def loaded(self, summary: ProfileSummary | None, error: str | None) -> None:
        self.summary, self.error, self.reading = summary, error, False
        self.show()

    def steps(self) -> list[int | None]:
        if self.summary is None or self.summary.ranks.is_empty():
            return []
        return sorted(self.summary.ranks["step"].unique().to_list(), key=lambda s: (s is None, s))

    def action_step(self, delta: int) -> None:
        steps = self.steps()
        if steps:
            self.step_index = (self.step_index + delta) % len(steps)
            self.show()

    def show(self) -> None:
        head = self.query_one("#profile-head", Static)
        if self.summary is None:
            if self.error:
                head.update(Text(self.error, style="yellow") + Text("  r reads again", style="dim"))
            return
        s = self.summary
        steps = self.steps()
        step = steps[self.step_index % len(steps)] if steps else None
        title = Text(f"{len(s.files)} profiler files  ", style="bold")
        title.append(f"step {step}" if step is not None else "all profiled steps", style="bold")
        if len(steps) > 1:
            title.append(f"  ({len(steps)} steps: n/p)", style="dim")
        title.append("  r reads again", style="dim")
        head.update(title)
        bars = self.query_one("#profile-bars", Static)
        width = bar_width(bars.size.width or self.app.size.width)
        bars.update(
            breakdown_text(s.ranks, step, width)
            if steps
            else Text("no step breakdown", style="dim")
        )
        self.query_one("#profile-verdict", Static).update(verdict_text(s))
        if self._operators_of is not s:  # refill only for a new summary: keeps cursor/scroll
            self._operators_of = s
            self.fill_operators(s.top_operators)

    def on_resize(self) -> None:
        if self.summary is not None:
            self.show()

    def fill_operators(self, top: pl.DataFrame) -> None:
        table = self.query_one("#profile-ops", DataTable)
        table.clear(columns=True)
        if top.is_empty():
            return
        table.add_columns("operator", "type", "count", "total ms", "mean us", "share %")
        for r in top.head(30).iter_rows(named=True):
            table.add_row(
                clean_text(r["name"]) or "",
                clean_text(r["type"]) or "-",
                f"{r['count']:,}",
                f"{r['total_us'] / 1000:,.2f}",
                f"{r['mean_us']:,.1f}",
                "-" if r["share_pct"] is None else f"{r['share_pct']:.1f}",
            )


def profile_paths_safe(paths: list[str]) -> tuple[ProfileSummary | None, str | None]:
    """The summary, or the one-line reason there is none (never raises)."""
    from analyzer.profile import profile_paths

    try:
        return profile_paths(paths), None
    except InputError as exc:
        return None, f"no profile: {clean_text(str(exc))}"
    except Exception as exc:  # a screen must not take the app down
        return None, f"profile failed: {exc.__class__.__name__}: {clean_text(str(exc))[:200]}"
