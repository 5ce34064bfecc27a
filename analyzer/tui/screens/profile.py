"""Profile: where the step time goes, from the profiler output of the focused run.

The same core as ``analyzer profile`` (:func:`analyzer.profile.profile_paths`), over the run
the Runs screen's cursor is on (``[``/``]`` pick another), or over the watched paths when no
run was found. It is read off the UI thread (:class:`~analyzer.tui.offthread.Coalesced`)
when shown, and again when the profiler files change (a cheap scan of names, sizes and mtimes
every :attr:`ProfileScreen.POLL` seconds while the screen is visible, so a profile written
after the screen opened appears); ``r`` reads again at once. Per rank a stacked bar of
Computing / Communication(Not Overlapped) / Free (msprof-analyze's step breakdown, scaled to
the longest step), the slow ranks with their cause, and the top operators (or operator types).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import polars as pl
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

from analyzer.errors import InputError
from analyzer.profile import ProfileReport, ProfileSummary
from analyzer.sanitize import clean_text
from analyzer.tui.offthread import Coalesced
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


def _line(value: object) -> str:
    """Untrusted text on one terminal line."""
    return " ".join((clean_text(str(value)) or "").split("\n"))


def verdict_text(summary: ProfileSummary) -> Text:
    text = Text()
    if summary.ranks.is_empty():
        text.append(
            "slow ranks: no per-step data (needs step_trace_time.csv or trace_view.json's "
            "Overlap Analysis)\n",
            style="dim",
        )
    elif not summary.slow_ranks and not summary.slow_stages:
        text.append("no slow rank stands out\n", style="dim")
    for s in summary.slow_ranks:
        text.append(f"rank {s['rank']}: ", style="bold red" if s["straggler"] else "bold yellow")
        text.append(_line(s["reason"]))
        text.append("\n")
    for s in summary.slow_stages:
        text.append(f"stage {s['stage']}: ", style="bold yellow")
        text.append(_line(s["reason"]) + "\n")
    for note in summary.notes[:4]:
        text.append(f"note: {_line(note)}\n", style="dim")
    return text


@dataclass(frozen=True)
class ProfileJob:
    """What to read, captured on the UI thread."""

    paths: tuple[str, ...]
    #: The run it is for (None: the watched paths).
    run: str | None
    #: The file signature of the report shown; None reads whatever it is.
    seen: tuple | None


@dataclass(frozen=True)
class ProfileResult:
    job: ProfileJob
    signature: tuple
    #: None when the files did not change since ``job.seen`` (nothing to apply).
    report: ProfileReport | None
    error: str | None
    changed: bool


def compute_profile(job: ProfileJob) -> ProfileResult:
    """Scan the files; read and summarise them only when they changed (a worker thread)."""
    from analyzer.profile_io import profile_signature

    signature = profile_signature(list(job.paths))
    if job.seen is not None and signature == job.seen:
        return ProfileResult(job, signature, None, None, changed=False)
    report, error = profile_paths_safe(list(job.paths))
    return ProfileResult(job, signature, report, error, changed=True)


class ProfileScreen(AnalyzerScreen):
    MODE = "profile"
    #: Seconds between scans for changed profiler files while the screen is visible.
    POLL: ClassVar[float] = 3.0
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "reload", "Read again"),
        Binding("n", "step(1)", "Next step"),
        Binding("p", "step(-1)", "Prev step", show=False),
        Binding("right_square_bracket", "run(1)", "Next run"),
        Binding("left_square_bracket", "run(-1)", "Prev run", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.report: ProfileReport | None = None
        self.error: str | None = None
        self.reading = False
        self.step_index = -1
        #: Index into the report's runs (when the watched paths hold several profiled runs).
        self.run_index = 0
        self.source: ProfileJob | None = None
        self.signature: tuple | None = None
        self._force = True
        self._operators_of: ProfileSummary | None = None
        self.job: Coalesced[ProfileJob, ProfileResult] = Coalesced(
            self, "profile", self._capture, compute_profile, self._loaded
        )

    @property
    def summary(self) -> ProfileSummary | None:
        """The summary shown: one profiled run of the report."""
        if self.report is None or not self.report.runs:
            return None
        return self.report.runs[self.run_index % len(self.report.runs)]

    def compose_body(self) -> ComposeResult:
        yield Static(id="profile-head")
        with VerticalScroll(id="profile-body"):
            yield Static(id="profile-bars")
            yield Static(id="profile-verdict")
            yield DataTable(id="profile-ops", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.set_interval(self.POLL, self._poll)

    def _poll(self) -> None:
        if self.is_current and not self.job.running:
            self.job.request()

    def _source(self) -> tuple[tuple[str, ...], str | None]:
        """The focused run's directory, else the watched paths."""
        app = self.tui
        view = app.snapshot.runs.get(app.focus_run or "")
        if view is not None:
            return (str(view.path),), view.name
        return tuple(app.paths), None

    def refresh_data(self) -> None:
        paths, run = self._source()
        if self.source is None or (paths, run) != (self.source.paths, self.source.run):
            self.action_reload()  # first shown, or another run is focused
        self.show()

    def action_reload(self) -> None:
        self._force = True
        self.reading = True
        self.query_one("#profile-head", Static).update(
            Text("reading profiler output…", style="dim")
        )
        self.job.request()

    def _capture(self) -> ProfileJob:
        paths, run = self._source()
        seen = None if self._force else self.signature
        self._force = False
        self.source = ProfileJob(paths, run, seen)
        return self.source

    def _loaded(self, result: ProfileResult) -> None:
        if result.job.paths != (self.source.paths if self.source else None):
            return  # another run was focused meanwhile; its own read follows
        self.signature, self.reading = result.signature, False
        if not result.changed:
            return
        self.report, self.error = result.report, result.error
        self._operators_of = None
        self.show()

    def steps(self) -> list[int | None]:
        s = self.summary
        if s is None or s.ranks.is_empty():
            return []
        return sorted(s.ranks["step"].unique().to_list(), key=lambda x: (x is None, x))

    def action_step(self, delta: int) -> None:
        steps = self.steps()
        if steps:
            self.step_index = (self.step_index + delta) % len(steps)
            self.show()

    def action_run(self, delta: int) -> None:
        """Another run: the app's focused run (as Ranks), else the report's next run."""
        app = self.tui
        names = sorted(app.snapshot.runs)
        if names:
            i = names.index(app.focus_run) if app.focus_run in names else 0
            app.focus_run = names[(i + delta) % len(names)]
            self.refresh_data()
        elif self.report is not None and len(self.report.runs) > 1:
            self.run_index = (self.run_index + delta) % len(self.report.runs)
            self.show()

    def _title(self, s: ProfileSummary, steps: list[int | None], step: int | None) -> Text:
        title = Text()
        name = self.source.run if self.source and self.source.run else s.run
        title.append(f"{_line(name)}  ", style="bold")
        if self.report is not None and len(self.report.runs) > 1:
            title.append(f"(profiled run {self.run_index + 1}/{len(self.report.runs)})  ")
        title.append(f"{len(s.files)} profiler files  ")
        title.append(f"step {step}" if step is not None else "all profiled steps", style="bold")
        if len(steps) > 1:
            title.append(f"  ({len(steps)} steps: n/p)", style="dim")
        title.append("  r reads again, [ ] other run", style="dim")
        return title

    def show(self) -> None:
        head = self.query_one("#profile-head", Static)
        s = self.summary
        if s is None:
            if self.error and not self.reading:
                run = self.source.run if self.source else None
                where = f"{_line(run)}: " if run else ""
                head.update(
                    Text(where + self.error, style="yellow")
                    + Text("  r reads again, [ ] other run", style="dim")
                )
                self.query_one("#profile-bars", Static).update("")
                self.query_one("#profile-verdict", Static).update("")
                self.query_one("#profile-ops", DataTable).clear(columns=True)
                self._operators_of = None
            return
        steps = self.steps()
        step = steps[self.step_index % len(steps)] if steps else None
        if not self.reading:
            head.update(self._title(s, steps, step))
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
            self.fill_operators(s)

    def on_resize(self) -> None:
        if self.summary is not None:
            self.show()

    def fill_operators(self, s: ProfileSummary) -> None:
        """The top operators; the operator types when there are none (op_statistic only)."""
        table = self.query_one("#profile-ops", DataTable)
        table.clear(columns=True)
        top, by_type = s.top_operators, s.top_operators.is_empty()
        if by_type:
            top = s.top_types
        if top.is_empty():
            return
        table.add_columns(
            *(("operator type",) if by_type else ("operator", "type")),
            "count",
            "total ms",
            "mean us",
            "share %",
        )
        for r in top.head(30).iter_rows(named=True):
            names = [_line(r["type"])] if by_type else [_line(r["name"]), _line(r["type"] or "-")]
            table.add_row(
                *names,
                "-" if r["count"] is None else f"{r['count']:,}",
                f"{r['total_us'] / 1000:,.2f}",
                "-" if r["mean_us"] is None else f"{r['mean_us']:,.1f}",
                "-" if r["share_pct"] is None else f"{r['share_pct']:.1f}",
            )


def profile_paths_safe(paths: list[str | Path]) -> tuple[ProfileReport | None, str | None]:
    """The report, or the one-line reason there is none (never raises)."""
    from analyzer.profile import profile_paths

    try:
        return profile_paths(paths), None
    except InputError as exc:
        return None, f"no profile: {_line(exc)}"
    except Exception as exc:  # a screen must not take the app down
        return None, f"profile failed: {exc.__class__.__name__}: {_line(exc)[:200]}"
