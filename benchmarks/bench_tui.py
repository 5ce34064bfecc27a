"""TUI speed: first full paint on sample_logs, and redrawing a 1,000,000-point chart.

Usage: ``python -m benchmarks.bench_tui [POINTS] [chart]`` (default 1000000; ``chart``: only
the chart figures).

- First paint: from creating :class:`AnalyzerApp` on ``sample_logs/`` (headless, 120×36) until
  the Runs table shows every run; baseline: the first paint of a trivial Textual app (one Static)
  in the same run. Target under 1 s.
- Chart rebuild (benchmarks/chartbench.py): 2 runs of 1,000,000 steps at 200×50, each refresh
  three steps longer as a live tail gives them, through ``lines_for`` and as bare lines; fresh
  series, a zoom and a same-data redraw, without and with smoothing. Baseline: plotext alone
  drawing the same already-downsampled lines (the floor). Target under 20 ms.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

from textual.app import App, ComposeResult
from textual.widgets import DataTable, Static

from analyzer.tui.app import AnalyzerApp
from benchmarks.chartbench import chart_report, raw_plotext

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_logs"
SIZE = (120, 36)


class _Trivial(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("hello")


async def _trivial_paint() -> float:
    t0 = time.perf_counter()
    app = _Trivial()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        return time.perf_counter() - t0


async def _first_paint(path: Path = SAMPLES, *, watch: bool = False) -> tuple[float, int]:
    t0 = time.perf_counter()
    app = AnalyzerApp([str(path)], watch=watch)
    async with app.run_test(size=SIZE) as pilot:
        while not app.snapshot.runs or app.screen.query_one(DataTable).row_count == 0:
            await pilot.pause(0.005)
        await pilot.pause()
        return time.perf_counter() - t0, len(app.snapshot.runs)


def _big_paint() -> None:
    """First paint on ~1 GB of rank logs (benchmarks/logdata.py), cold and from the parse cache,
    in live mode (what `analyzer tui` does). Target: under 2 s cached."""
    import os
    import tempfile

    from benchmarks.logdata import generate

    data = generate(1024)
    size = sum(f.stat().st_size for f in data.glob("*.log")) / 1e6
    with tempfile.TemporaryDirectory() as cache:
        os.environ["XDG_CACHE_HOME"] = cache
        cold = asyncio.run(_first_paint(data, watch=True))[0]
        warm = min(asyncio.run(_first_paint(data, watch=True))[0] for _ in range(2))
    print(
        f"first full paint, {size:.0f} MB of rank logs, live: cold {cold:.2f} s, "
        f"from the parse cache {warm:.2f} s (x{warm / cold:.2f} cold; target < 2 s)"
    )


def main() -> None:
    args = sys.argv[1:]
    points = next((int(a) for a in args if a.isdigit()), 1_000_000)
    if "chart" not in args:
        _paints()
    grown = chart_report(points)
    if "chart" not in args:
        raw = raw_plotext(points)
        print(
            f"plotext on the raw series once: {raw * 1000:.0f} ms (x{raw * 1000 / grown:.0f} the rebuild)"
        )


def _paints() -> None:
    trivial = min(asyncio.run(_trivial_paint()) for _ in range(3))
    paints = [asyncio.run(_first_paint()) for _ in range(3)]
    best = min(p[0] for p in paints)
    print(f"first paint, trivial Textual app: {trivial * 1000:.0f} ms")
    print(
        f"first full paint, sample_logs ({paints[0][1]} runs): best {best * 1000:.0f} ms, "
        f"median {statistics.median(p[0] for p in paints) * 1000:.0f} ms "
        f"(x{best / trivial:.1f} the trivial app; target < 1000 ms)"
    )
    _big_paint()


if __name__ == "__main__":
    main()
