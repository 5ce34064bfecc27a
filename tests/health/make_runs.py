"""Write 8-rank runs with one injected problem each, in log formats that give per-rank data.

Every rank prints MindFormers step lines (as in ``real_logs/mindformers``: a timestamp, loss,
step time, loss scale), so slowness, silence and NaNs can be pinned to a rank. The leak run adds
Megatron per-rank memory reports; the OOM run ends rank 5 with an out-of-memory traceback and the
others with the collective timeouts that follow it. Each file's mtime is set to its last line's
time, as it would be on a real machine. Deterministic (fixed seed, fixed start time).

    python -m tests.health.make_runs OUTDIR     # writes OUTDIR/<problem>/worker_N.log
"""

from __future__ import annotations

import math
import os
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

RANKS = 8
STEPS = 200
STEP_MS = 3000.0
START = datetime(2026, 1, 15, 8, 0, 0)

#: What each problem run injects, and where the checks must find it: (rule, rank, step).
EXPECTED: dict[str, tuple[str, int | None, int]] = {
    "slow_rank": ("slow_rank", 3, 50),
    "hang": ("hang", 6, 80),
    "nan": ("nan", 4, 120),
    "loss_spike": ("loss_spike", 0, 150),
    "oom": ("crash", 5, 90),
    "leak": ("memory_growth", 1, 100),
}
PROBLEMS: tuple[str, ...] = ("clean", *EXPECTED)


def stamp(ts: datetime) -> str:
    """Python logging's ``%(asctime)s``: ``2026-01-15 08:00:03,123``."""
    return ts.strftime("%Y-%m-%d %H:%M:%S,") + f"{ts.microsecond // 1000:03d}"


def step_lines(ts: datetime, step: int, total: int, loss: float, ms: float, scale: float) -> str:
    """One step as MindFormers prints it (the 2023 format of ``real_logs/mindformers``, sink
    size 1): the Epoch line and the ``Per sink_size step time`` line that completes it."""
    loss_text = "nan" if math.isnan(loss) else f"{loss:.3f}"
    head = f"{stamp(ts)} - mindformers - INFO - "
    return (
        f"{head}Epoch:[  1/  1], step:[{step:5d}/{total:5d}], "
        f"loss:[{loss_text}/{loss_text}], time:{ms:.3f} ms, lr:[1.0e-05], "
        f"overflow cond: False, loss_scale: {scale:.1f}\n"
        f"{head}Per sink_size step time: {ms + 0.5:.3f} ms, per step time: {ms:.3f} ms, "
        f"avg loss: {loss_text}"
    )


def memory_line(rank: int, step: int, allocated: float, reserved: float) -> str:
    """A Megatron per-rank memory report."""
    return (
        f"[Rank {rank}] (after {step} iterations) memory (MB) | allocated: {allocated:.1f} | "
        f"max allocated: {allocated * 1.6:.1f} | reserved: {reserved:.1f} | "
        f"max reserved: {reserved:.1f}"
    )


def oom_traceback(rank: int) -> list[str]:
    return [
        "Traceback (most recent call last):",
        '  File "/home/ma-user/mindformers/run_mindformer.py", line 256, in <module>',
        "    main(config)",
        '  File "/home/ma-user/mindformers/mindformers/trainer/base_trainer.py", line 812, in train',
        "    self.model.train(epochs, dataset, callbacks=callbacks)",
        f"RuntimeError: NPU out of memory. Tried to allocate 2.00 GiB (NPU {rank}; 60.97 GiB total "
        "capacity; 58.10 GiB already allocated; 1.12 GiB free)",
    ]


def comm_timeout(rank: int, seq: int) -> str:
    return (
        f"[Rank {rank}] Watchdog caught collective operation timeout: WorkHCCL(SeqNum={seq}, "
        "OpType=ALLREDUCE, NumelIn=1, NumelOut=1, Timeout(ms)=1800000) ran for 1800012 "
        "milliseconds before timing out."
    )


@dataclass
class Plan:
    """How a run deviates from a clean one."""

    slow: Callable[[int, int], float] = lambda rank, step: 1.0
    loss: Callable[[int, int, float], float] = lambda rank, step, base: base
    last_step: Callable[[int], int] = lambda rank: STEPS
    memory: Callable[[int, int], float] | None = None  # extra MB per (rank, step)
    after: dict[int, list[str]] = field(default_factory=dict)  # lines after a rank's last step
    after_delay_s: Callable[[int], float] = lambda rank: 0.0


def _plan(problem: str) -> Plan:
    if problem == "slow_rank":
        return Plan(slow=lambda r, s: 1.35 if r == 3 and s >= 50 else 1.0)
    if problem == "hang":
        return Plan(last_step=lambda r: 80 if r == 6 else STEPS)  # 360 s behind at the end
    if problem == "nan":
        return Plan(loss=lambda r, s, b: math.nan if s > 120 or (s == 120 and r == 4) else b)
    if problem == "loss_spike":
        return Plan(loss=lambda r, s, b: b * 3.0 if s in (150, 151) else b)
    if problem == "oom":
        return Plan(
            last_step=lambda r: 90,
            after={r: oom_traceback(r) if r == 5 else [comm_timeout(r, 91)] for r in range(RANKS)},
            after_delay_s=lambda r: 1.0 if r == 5 else 1800.0 + r,
        )
    if problem == "leak":
        return Plan(memory=lambda r, s: 256.0 * ((s - 90) // 10) if r == 1 and s >= 100 else 0.0)
    return Plan()


def rank_lines(plan: Plan, rank: int, rng: random.Random) -> tuple[list[str], datetime]:
    """One rank's log lines and the time of its last line."""
    lines = [
        f"{stamp(START)} - mindformers - INFO - initial parallel_config from dict: "
        "{'data_parallel': 2, 'model_parallel': 2, 'pipeline_stage': 2}"
    ]
    ts = START
    for step in range(1, plan.last_step(rank) + 1):
        ms = STEP_MS * (1 + rng.uniform(-0.03, 0.03)) * plan.slow(rank, step)
        ts = START + timedelta(milliseconds=step * STEP_MS + rng.uniform(0, 50))
        base = 2.2 + 8.0 * math.exp(-step / 40) + rng.uniform(-0.03, 0.03)
        lines.append(step_lines(ts, step, STEPS, plan.loss(rank, step, base), ms, 65536.0))
        if plan.memory is not None and step % 10 == 0:
            extra = plan.memory(rank, step)
            alloc = 21000.0 + rng.uniform(-20, 20) + extra
            lines.append(memory_line(rank, step, alloc, 36000.0 + extra))
    if rank in plan.after:
        ts = ts + timedelta(seconds=plan.after_delay_s(rank))
        lines.extend(plan.after[rank])
    return lines, ts


def make_run(root: Path, problem: str) -> Path:
    """Write ``root/<problem>/worker_N.log`` for every rank; returns the run directory."""
    plan = _plan(problem)
    rng = random.Random(f"health-{problem}")
    run_dir = root / problem
    run_dir.mkdir(parents=True, exist_ok=True)
    for rank in range(RANKS):
        lines, last = rank_lines(plan, rank, rng)
        path = run_dir / f"worker_{rank}.log"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        os.utime(path, (last.timestamp(), last.timestamp()))
    return run_dir


def make_all(root: Path) -> dict[str, Path]:
    """Every problem run (and a clean one) under ``root``."""
    return {problem: make_run(root, problem) for problem in PROBLEMS}


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "health_runs")
    for name, path in make_all(out).items():
        print(f"{name}: {path}")
