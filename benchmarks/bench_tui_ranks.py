"""TUI responsiveness with 1,000 rank files being written, against 8 rank files (same run).

Usage: ``python -m benchmarks.bench_tui_ranks [RANKS [STEPS [DWELL_S]]]`` (default 1000 200 3).

The real app in live mode (``analyzer tui RUN``, headless 120×36) opens one MindFormers-style run
(``benchmarks/ranklogs.py``: every rank prints its own step lines, so the Ranks heatmap is full)
of ``RANKS`` files holding ``STEPS`` steps each, while a writer process appends the next step to
every rank file every second. Measured:

- first paint: from creating the app until the Runs table shows the run with the core's numbers;
- key latency: from pressing a key until its effect is painted, including what it computes
  off the UI thread (switching screens 1..7, per-rank charts, smoothing, the next heatmap
  metric, moving the heatmap cursor);
- event-loop lag while live: a callback due every 10 ms and how late it runs (p50, p99, max),
  over ``DWELL_S`` seconds on each screen with no key pressed;
- CPU of the app process over the same idle-but-live seconds (the writer is another process).

Baseline: the same measures on an 8-rank run in the same process. Target: every screen usable
with 1,000 ranks (p99 lag and key latency well under 100 ms, idle CPU well under one core).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from textual import events
from textual.widgets import DataTable

from analyzer.tui.app import AnalyzerApp
from benchmarks.ranklogs import write_run

SIZE = (120, 36)
TICK = 0.010
#: A key whose handler changed nothing on screen is timed to when it was handled.
NO_FRAME_S = 0.05
#: (label, keys pressed to get there) for each screen measured, in order.
PHASES: list[tuple[str, tuple[str, ...]]] = [
    ("1 Runs", ("1",)),
    ("2 Charts", ("2",)),
    ("2 Charts per rank", ("p",)),
    ("2 Charts per rank, smoothed", ("s",)),
    ("3 Ranks", ("3",)),
    ("3 Ranks, next metric", ("m",)),
    ("3 Ranks, cursor down x5", ("down",) * 5),
    ("3 Ranks, page down", ("pagedown",)),
    ("3 Ranks, end", ("end",)),
    ("4 Compare", ("4",)),
    ("5 Events", ("5",)),
    ("6 Profile", ("6",)),
    ("7 Launch", ("7",)),
    ("1 Runs again", ("1",)),
]


@dataclass
class Phase:
    keys_ms: list[float] = field(default_factory=list)
    lag_ms: list[float] = field(default_factory=list)
    cpu: float = 0.0

    def lag(self, q: float) -> float:
        if not self.lag_ms:
            return float("nan")
        ordered = sorted(self.lag_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass
class Result:
    ranks: int
    first_paint: float
    phases: dict[str, Phase]


class LagProbe:
    """A task on the app's event loop that wants to run every TICK seconds; records how late."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            t0 = time.perf_counter()
            await asyncio.sleep(TICK)
            self.samples.append(max(0.0, time.perf_counter() - t0 - TICK) * 1000)

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()


async def _until(pilot, cond: Callable[[], bool], timeout: float = 600.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not get there in time")
        await pilot.pause(0.005)


class Frames:
    """Records when the app paints a frame (headless: when it would write one)."""

    def __init__(self, app: AnalyzerApp) -> None:
        self.last = 0.0
        self._display = app._display
        app._display = self._record  # type: ignore[method-assign]

    def _record(self, screen, renderable) -> None:  # type: ignore[no-untyped-def]
        if renderable is not None:
            self.last = time.perf_counter()
        self._display(screen, renderable)


def _busy(app: AnalyzerApp, before: set[int]) -> bool:
    """A worker the key started (not one already running) is not done, or the screen's
    computation was asked again while one ran (analyzer.tui.offthread.Coalesced)."""
    screen = app.screen
    job = getattr(screen, "job", None)
    if job is not None and job.stale:
        return True
    return any(w.node is screen and not w.is_finished and id(w) not in before for w in app.workers)


async def _workers_done(app: AnalyzerApp, before: set[int], timeout: float = 600.0) -> None:
    deadline = time.monotonic() + timeout
    while _busy(app, before):
        if time.monotonic() > deadline:
            raise TimeoutError("the screen's workers did not finish in time")
        await asyncio.sleep(0.001)


async def _press(pilot, frames: Frames, key: str) -> float:  # type: ignore[no-untyped-def]
    """Milliseconds from a key event until its handler ran, what it started off the UI thread
    is done, and the next frame was painted (the handled time when nothing changed)."""
    app = pilot.app
    before = {id(w) for w in app.workers}
    t0 = time.perf_counter()
    app._driver.send_message(events.Key(key, key if len(key) == 1 else None))
    for _ in range(2):  # the app's queue, then the screen's (where the key's action runs)
        await pilot._wait_for_screen()
    await _workers_done(app, before)
    handled = time.perf_counter()
    while frames.last < handled and time.perf_counter() - handled < NO_FRAME_S:
        await asyncio.sleep(0.001)
    end = frames.last if frames.last >= handled else handled
    return (end - t0) * 1000


async def _measure(run_dir: Path, ranks: int, steps: int, dwell: float) -> Result:
    t0 = time.perf_counter()
    app = AnalyzerApp([str(run_dir)], watch=True)
    async with app.run_test(size=SIZE) as pilot:
        await _until(
            pilot,
            lambda: (
                app.snapshot.complete
                and any(r.step for r in app.snapshot.rows)
                and app.screen.query_one(DataTable).row_count > 0
            ),
        )
        await pilot.pause()
        first = time.perf_counter() - t0
        writer = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.ranklogs", str(run_dir), str(ranks), str(steps + 1)]
        )
        frames = Frames(app)
        probe = LagProbe()
        probe.start()
        phases: dict[str, Phase] = {}
        try:
            for label, keys in PHASES:
                phase = phases[label] = Phase()
                for key in keys:
                    phase.keys_ms.append(await _press(pilot, frames, key))
                start, cpu0 = len(probe.samples), time.process_time()
                await asyncio.sleep(dwell)
                phase.cpu = (time.process_time() - cpu0) / dwell
                phase.lag_ms = probe.samples[start:]
        finally:
            probe.stop()
            writer.terminate()
            writer.wait()
    return Result(ranks, first, phases)


def _run(ranks: int, steps: int, dwell: float, root: Path) -> Result:
    run_dir = write_run(root / f"mindformers_{ranks}_ranks", ranks, steps)
    return asyncio.run(_measure(run_dir, ranks, steps, dwell))


def _row(cells: list[str]) -> str:
    return f"{cells[0]:<30}" + "".join(f"{c:>15}" for c in cells[1:])


def _report(base: Result, big: Result) -> None:
    print(
        f"first paint, live: {base.ranks} ranks {base.first_paint:.2f} s, "
        f"{big.ranks} ranks {big.first_paint:.2f} s (x{big.first_paint / base.first_paint:.1f})"
    )
    print(f"each cell: {base.ranks} ranks / {big.ranks} ranks")
    print(_row(["screen", "key ms (max)", "lag p50 ms", "lag p99 ms", "lag max ms", "CPU %"]))
    for label in big.phases:
        b, g = base.phases[label], big.phases[label]
        print(
            _row(
                [
                    label,
                    f"{max(b.keys_ms):.0f} / {max(g.keys_ms):.0f}",
                    f"{b.lag(0.5):.1f} / {g.lag(0.5):.1f}",
                    f"{b.lag(0.99):.0f} / {g.lag(0.99):.0f}",
                    f"{max(b.lag_ms, default=0):.0f} / {max(g.lag_ms, default=0):.0f}",
                    f"{b.cpu * 100:.0f} / {g.cpu * 100:.0f}",
                ]
            )
        )
    worst = [max(max(p.keys_ms) for p in r.phases.values()) for r in (base, big)]
    p99 = [max(p.lag(0.99) for p in r.phases.values()) for r in (base, big)]
    cpu = [statistics.median(p.cpu for p in r.phases.values()) for r in (base, big)]
    print(
        f"worst key: {worst[0]:.0f} ms vs {worst[1]:.0f} ms (x{worst[1] / max(worst[0], 1):.1f}); "
        f"worst p99 lag: {p99[0]:.0f} ms vs {p99[1]:.0f} ms; median idle CPU: "
        f"{cpu[0] * 100:.0f}% vs {cpu[1] * 100:.0f}% of a core (target: lag p99 < 100 ms)"
    )


def main() -> None:
    ranks = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    dwell = float(sys.argv[3]) if len(sys.argv) > 3 else 3.0
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_CACHE_HOME"] = str(Path(tmp) / "cache")
        base = _run(8, steps, dwell, Path(tmp))
        big = _run(ranks, steps, dwell, Path(tmp))
    _report(base, big)


if __name__ == "__main__":
    main()
