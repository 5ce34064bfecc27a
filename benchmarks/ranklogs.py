"""MindFormers-style rank logs where every rank prints its own step lines, for the TUI benchmarks.

A run directory of ``worker_N.log`` files (one per rank, as msrun writes them), each holding the
2023 MindFormers step record (``Epoch:[..], step:[..], loss:[..], time: .. ms`` followed by its
``Per sink_size step time`` line), so the Ranks heatmap has a value for every rank and step,
and every WARN_EVERY steps a MindSpore warning (so the Events screen has one per rank).
:class:`StepWriter` then appends one step to every rank file each interval, as a live job does.
Deterministic: the values depend only on (rank, step).
"""

from __future__ import annotations

import math
import os
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

START = datetime(2026, 1, 15, 8, 0, 0)
STEP_MS = 3000.0
TOTAL = 1_000_000


#: Every this many steps each rank also prints a MindSpore warning (an event per rank).
WARN_EVERY = 10


def step_record(rank: int, step: int) -> str:
    """One step of one rank: the Epoch line and the sink-size line that completes it, and now
    and then a MindSpore warning, as real ranks print them."""
    ms = STEP_MS * (1.0 + 0.02 * math.sin(rank * 7.1 + step * 1.3)) * (1.3 if rank == 3 else 1.0)
    loss = 2.2 + 8.0 * math.exp(-step / 400) + 0.02 * math.cos(rank + step)
    ts = START + timedelta(milliseconds=step * STEP_MS)
    head = (
        ts.strftime("%Y-%m-%d %H:%M:%S,") + f"{ts.microsecond // 1000:03d} - mindformers - INFO - "
    )
    text = (
        f"{head}Epoch:[  1/  1], step:[{step:7d}/{TOTAL:7d}], loss:[{loss:.3f}/{loss:.3f}], "
        f"time:{ms:.3f} ms, lr:[1.0e-05], overflow cond: False, loss_scale: 65536.0\n"
        f"{head}Per sink_size step time: {ms + 0.5:.3f} ms, per step time: {ms:.3f} ms, "
        f"avg loss: {loss:.3f}\n"
    )
    if step % WARN_EVERY == 0:
        text += (
            f"[WARNING] ME({4000 + rank}:139876543210,MainProcess):{ts:%Y-%m-%d-%H:%M:%S}.123.0 "
            "[mindspore/ops/primitive.py:120] The 'Cast' operator is deprecated.\n"
        )
    return text


def write_run(run_dir: Path, ranks: int, steps: int) -> Path:
    """``run_dir/worker_N.log`` for ``ranks`` ranks with steps 1..``steps`` (rewritten)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    for rank in range(ranks):
        head = (
            f"{START:%Y-%m-%d %H:%M:%S},000 - mindformers - INFO - initial parallel_config "
            "from dict: {'data_parallel': 8, 'model_parallel': 4, 'pipeline_stage': 4}\n"
        )
        body = "".join(step_record(rank, s) for s in range(1, steps + 1))
        (run_dir / f"worker_{rank}.log").write_text(head + body, encoding="utf-8")
    return run_dir


class StepWriter:
    """Appends the next step to every rank file every ``interval`` seconds, on its own thread."""

    def __init__(self, run_dir: Path, ranks: int, first_step: int, interval: float = 1.0):
        self.paths = [run_dir / f"worker_{r}.log" for r in range(ranks)]
        self.step = first_step
        self.interval = interval
        self.rounds = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="step-writer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        next_at = time.monotonic()
        while not self._stop.wait(max(0.0, next_at - time.monotonic())):
            for rank, path in enumerate(self.paths):
                fd = os.open(path, os.O_WRONLY | os.O_APPEND)
                try:
                    os.write(fd, step_record(rank, self.step).encode())
                finally:
                    os.close(fd)
            self.step += 1
            self.rounds += 1
            next_at += self.interval


def main(argv: list[str]) -> None:
    """``python -m benchmarks.ranklogs RUN_DIR RANKS FIRST_STEP [INTERVAL]``: append until killed
    (a process of its own, so the app's CPU time is the app's alone)."""
    run_dir, ranks, first = Path(argv[0]), int(argv[1]), int(argv[2])
    writer = StepWriter(run_dir, ranks, first, float(argv[3]) if len(argv) > 3 else 1.0)
    writer.start()
    writer._thread.join()


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
