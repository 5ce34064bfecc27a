"""The chart widget: a live-grown chart draws what a fresh one draws; fast ANSI decoding."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual_plotext.plot import Plot

from analyzer.discover import Run
from analyzer.store import RunData, records_to_frame
from analyzer.tui.ansitext import ansi_text
from analyzer.tui.chartdata import ChartCache, ChartOptions, Line, lines_for
from analyzer.tui.colors import FAINT
from analyzer.tui.seriescache import EmaCache
from analyzer.tui.snapshot import run_view
from analyzer.tui.widgets.chart import MetricChart

SIZE = (120, 30)


class _Charts(App[None]):
    def compose(self) -> ComposeResult:
        yield MetricChart("loss", id="live")
        yield MetricChart("loss", id="fresh")


def _source(n: int) -> tuple[pl.Series, pl.Series]:
    xs = pl.int_range(0, n, eager=True).cast(pl.Float64)
    ys = 2.0 + 9.0 * (-xs / (n / 6)).exp() + 0.2 * (xs * 0.7).sin()
    return xs, ys.scatter(n // 3, 30.0)


def _lines(xs: pl.Series, ys: pl.Series, m: int, ema: EmaCache) -> list[Line]:
    x, y = xs.head(m) * 1.0, ys.head(m) * 1.0  # new buffers, as each live refresh hands over
    return [
        Line("run", FAINT, x, y, faint=True),
        Line("run", "cyan", x, ema.smooth(("run", "loss"), y, 0.6)),
        Line("other", "magenta", x, y * 0.5 + 1.0),
    ]


@pytest.mark.parametrize("log_y", [False, True])
async def test_a_chart_grown_step_by_step_draws_what_a_fresh_chart_draws(log_y: bool) -> None:
    xs, ys = _source(20_000)
    app = _Charts()
    async with app.run_test(size=SIZE) as pilot:
        live, fresh = app.query_one("#live", MetricChart), app.query_one("#fresh", MetricChart)
        ema = EmaCache()
        for m in [5, 300, 301, 2_000, 2_003, 19_000, 20_000]:
            live.set_lines(_lines(xs, ys, m, ema), title="loss", log_y=log_y)
            fresh.set_lines(_lines(xs, ys, m, EmaCache()), title="loss", log_y=log_y)
            fresh._series.clear()
            await pilot.pause()
            w, h = live.size
            assert live.build(w, h) == fresh.build(w, h)
        kinds = {slot.last_update for slot in live._series.values()}
        assert kinds == {"appended"}, kinds


async def test_a_chart_of_a_growing_run_draws_what_a_fresh_chart_draws() -> None:
    """Through lines_for with the screen's cache: series extended, smoothing continued, points
    updated by chain token, and the same picture as everything computed afresh."""
    run = RunData(Run("r", Path("/nonexistent"), []))
    ys = _source(30_000)[1].to_list()
    cache, opts = ChartCache(), ChartOptions(smoothing=0.6)
    app = _Charts()
    async with app.run_test(size=SIZE) as pilot:
        live, fresh = app.query_one("#live", MetricChart), app.query_one("#fresh", MetricChart)
        done = 0
        for upto in [1_000, 1_003, 1_004, 12_000, 12_005, 30_000]:
            steps = [
                {"kind": "step", "run": "r", "rank": 0, "step": s, "loss": ys[s]}
                for s in range(done, upto)
            ]
            run.append_frame("step", records_to_frame("step", steps))
            done = upto
            view = run_view(run)
            live.set_lines(
                lines_for([(view, "cyan")], "loss", opts, cache)[0], title="loss", log_y=False
            )
            fresh.set_lines(lines_for([(view, "cyan")], "loss", opts)[0], title="loss", log_y=False)
            fresh._series.clear()
            await pilot.pause()
            w, h = live.size
            assert live.build(w, h) == fresh.build(w, h)
        assert cache.steps.last_update == "appended"
        assert {slot.last_update for slot in live._series.values()} == {"appended"}


@pytest.mark.parametrize("theme", ["default", "dark", "pro", "clear"])
def test_ansi_text_equals_rich_on_plotext_output(theme: str) -> None:
    plt = Plot()
    plt.plotsize(120, 30)
    plt._set_size(120, 30)
    plt.theme(theme)
    plt.title("loss")
    xs, ys = _source(500)
    plt.plot(xs.to_list(), ys.to_list(), color="cyan", marker="hd")
    plt.plot(xs.to_list(), (ys * 0.5).to_list(), color="magenta", marker="hd")
    out = plt.build()
    assert ansi_text(out) == Text.from_ansi(out)


@pytest.mark.parametrize(
    "ansi",
    [
        "",
        "\n",
        "a\n\n",
        "\x1b[31ma\nb\x1b[0m\n",
        "x\x1b[1;31mred\x1b[0m\x1b[48;5;3m\n\nq\x1b[0;4mu",
        "\x1b[31m\x1b[0m",
        "a\rb",  # rich keeps what follows a carriage return: left to rich
        "\x1b]8;;http://x\x1b\\link",
        "\x1b[2Jcleared",
    ],
)
def test_ansi_text_equals_rich_on_odd_input(ansi: str) -> None:
    got, want = ansi_text(ansi), Text.from_ansi(ansi)
    assert got == want and got.plain == want.plain and got.end == want.end
