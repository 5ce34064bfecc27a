"""Fixtures for the TUI tests: small Megatron-style runs with fixed content and mtimes."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

os.environ["TZ"] = "UTC"
time.tzset()

FIXED_MTIME = 1_700_000_000.0


def iteration_line(i: int, total: int, *, loss: float, ms: float, tflops: float) -> str:
    return (
        f" iteration {i:8d}/{total:8d} | consumed samples: {i * 64:10d} | "
        f"elapsed time per iteration (ms): {ms:.1f} | throughput per GPU (TFLOP/s/GPU): {tflops:.1f} | "
        f"learning rate: 1.000000E-05 | global batch size:    64 | lm loss: {loss:.6E} | "
        "loss scale: 1.0 | grad norm: 2.100 | number of skipped iterations:   0 | "
        "number of nan iterations:   0 |\n"
    )


def run_lines(steps: range, total: int, base_ms: float, tflops: float) -> str:
    out = []
    for i in steps:
        loss = 11.0 * math.exp(-i / 15) + 2.0 + 0.05 * ((i * 7) % 5)
        ms = base_ms + 10.0 * ((i * 3) % 7)
        out.append(iteration_line(i, total, loss=loss, ms=ms, tflops=tflops + 0.1 * (i % 3)))
    return "".join(out)


def make_run(
    root: Path,
    name: str,
    *,
    steps: int = 40,
    total: int = 40,
    ranks: int = 4,
    base_ms: float = 1800.0,
    tflops: float = 120.0,
) -> Path:
    """A Megatron-style run: iteration lines on the last rank only, the others one line."""
    d = root / name
    d.mkdir(parents=True)
    for r in range(ranks - 1):
        (d / f"worker_{r}.log").write_text(f"rank {r} starting\n")
    (d / f"worker_{ranks - 1}.log").write_text(
        run_lines(range(1, steps + 1), total, base_ms, tflops)
    )
    for f in d.iterdir():
        os.utime(f, (FIXED_MTIME, FIXED_MTIME))
    return d


@pytest.fixture
def two_runs(tmp_path: Path) -> Path:
    root = tmp_path / "runs"
    make_run(root, "tp2pp4", base_ms=1800.0, tflops=121.0)
    make_run(root, "tp4pp2", base_ms=2050.0, tflops=108.0)
    return root


async def wait_for(pilot, cond: Callable[[], bool], timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    """Let the app run until ``cond()`` holds (no fixed sleeps); fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await pilot.pause(0.02)
