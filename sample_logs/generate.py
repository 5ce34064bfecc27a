"""Write the sample logs: ``python -m sample_logs.generate [OUT_DIR]`` (default: this package's dir).

Deterministic: fixed seeds and fixed timestamps, so the committed files can be regenerated
byte for byte (``tests/test_sample_logs.py`` checks). See ``sample_logs/README.md``.
"""

from __future__ import annotations

import math
import random
import sys
from datetime import datetime, timedelta
from pathlib import Path

from sample_logs import megatron_lines as mg
from sample_logs import mslines as ms
from sample_logs.runargs import dryrun_args, strategy_args
from sample_logs.specs import (
    DRYRUN_GBS,
    DRYRUN_PP,
    DRYRUN_RUNS,
    DRYRUN_SEQ,
    DRYRUN_STEPS,
    DRYRUN_TP,
    DRYRUN_WORLD,
    STRATEGY_GBS,
    STRATEGY_RUNS,
    STRATEGY_STEPS,
    DryRunRun,
    StrategyRun,
    step_flops,
)

HERE = Path(__file__).resolve().parent
STRATEGIES_DIR = "qwen25_7b_strategies"
DRYRUN_DIR = "qwen25_7b_dryrun"
PORT = 8118
#: Steps left out by the default warm-up rule, max(1, 10%): the median is pinned after these.
WARMUP = max(1, STRATEGY_STEPS // 10)


def loss_curve(seed: int, steps: int, start: float, floor: float) -> list[float]:
    """A decreasing loss with noise; the same seed gives the same data order for every run."""
    rng = random.Random(seed)
    return [
        floor + (start - floor) * math.exp(-s / 14) + rng.gauss(0, 0.025)
        for s in range(1, steps + 1)
    ]


def tflops_series(rng: random.Random, steps: int, target: float) -> list[float]:
    """Per-step TFLOP/s: slow first steps, then noise whose post-warm-up median is exactly target."""
    values = [target + rng.gauss(0, 0.9) for _ in range(steps)]
    tail = sorted(values[WARMUP:] if steps > WARMUP else values[1:])
    shift = target - tail[len(tail) // 2]
    values = [round(v + shift, 1) for v in values]
    values[0] = round(target * 0.31, 1)
    if steps > 2:
        values[1] = round(target * 0.94, 1)
    return values


def stage_of(rank: int, tp: int, cp: int) -> tuple[int, int]:
    """(pipeline stage, tensor rank) with Megatron's tp-cp-dp-pp order and dp = 1."""
    return rank // (tp * cp), rank % tp


def memory_values(
    rng: random.Random, peak: int, stage: int, tp_rank: int, pp: int
) -> tuple[float, ...]:
    """allocated, max allocated, reserved, max reserved (MB) of one rank; stage 0 holds the peak."""
    factors = {2: (1.0, 0.931), 4: (1.0, 0.902, 0.817, 0.874)}[pp]
    max_res = (
        peak if (stage, tp_rank) == (0, 0) else 2 * round(peak * factors[stage] / 2) - 2 * tp_rank
    )
    max_alloc = (max_res - 700 - rng.randrange(0, 400)) + rng.randrange(0, 2048) * 512 / 2**20
    alloc = int(max_res * 0.47) + rng.randrange(0, 2048) * 512 / 2**20
    reserved = float(max_res - 2 * rng.randrange(0, 300))
    return (alloc, max_alloc, reserved, float(max_res))


def _proc(run_index: int, rank: int, rng: random.Random) -> ms.Proc:
    return ms.Proc(
        pid=41000 + 150 * run_index + rank, tid=0x7F3A00000000 + rng.getrandbits(32) * 64
    )


def strategy_iterations(run: StrategyRun, t_train: datetime) -> list[tuple[datetime, mg.Iteration]]:
    """The iteration lines of one strategy run with their timestamps."""
    rng = random.Random(f"{run.name}-tflops")
    tokens = STRATEGY_GBS * run.seq
    flops = step_flops(tokens, run.seq, run.recompute)
    base = loss_curve(run.data_seed, STRATEGY_STEPS, 2.05 if run.seq == 4096 else 2.31, 1.32)
    noise = random.Random(f"{run.name}-loss")
    gnorm = random.Random(f"{run.name}-gnorm")
    out, now = [], t_train
    for step, tf in enumerate(tflops_series(rng, STRATEGY_STEPS, run.tflops), 1):
        step_ms = round(flops / (tf * 1e12 * run.world) * 1000, 1)
        now += timedelta(milliseconds=step_ms)
        lr = 1.25e-7 + 0.5 * (1.25e-6 - 1.25e-7) * (1 + math.cos(math.pi * step / STRATEGY_STEPS))
        loss = base[step - 1] + noise.gauss(0, 0.002)
        grad = 0.9 + 2.4 * math.exp(-step / 9) + abs(gnorm.gauss(0, 0.08))
        it = mg.Iteration(
            step, STRATEGY_STEPS, step * STRATEGY_GBS, step_ms, tf, lr, STRATEGY_GBS, loss, grad
        )
        out.append((now.replace(microsecond=0), it))
    return out


def write_strategy_run(root: Path, run: StrategyRun, index: int) -> None:
    """One msrun layout: eight worker logs and scheduler.log."""
    rng = random.Random(f"{run.name}-procs")
    logdir = root / run.name / "msrun_log"
    logdir.mkdir(parents=True, exist_ok=True)
    t0 = run.start
    t_train = t0 + timedelta(seconds=63)
    iterations = strategy_iterations(run, t_train)
    t_end = iterations[-1][0] + timedelta(seconds=2)
    dp = run.world // (run.tp * run.pp * run.cp)
    mem_rng = random.Random(f"{run.name}-memory")
    for rank in range(run.world):
        proc = _proc(index, rank, rng)
        lines = ms.worker_startup(
            proc, rank, run.world, t0 + timedelta(milliseconds=180 + 11 * rank), PORT
        )
        lines += ms.worker_python_warnings(proc, t0 + timedelta(seconds=6, milliseconds=93 * rank))
        if rank == 0:
            lines += mg.startup_rank0(run.world, run.tp, run.pp, run.cp, dp)
            lines += mg.arguments_dump(strategy_args(run, dp, STRATEGY_GBS, STRATEGY_STEPS))
            lines += mg.setup_rank0(
                run.tp, run.pp, t0 + timedelta(seconds=42), t0 + timedelta(seconds=61), t_train
            )
        stage, tp_rank = stage_of(rank, run.tp, run.cp)
        lines.append(
            mg.param_count_line(tp_rank, stage, 7_615_616_512 // (run.tp * run.pp) + 1_000 * stage)
        )
        report = mg.memory_report(
            rank, 1, *memory_values(mem_rng, run.peak_mb, stage, tp_rank, run.pp)
        )
        if rank == run.world - 1:
            lines.append(mg.iteration_line(*iterations[0]))
            lines.append(report)
            lines += [mg.iteration_line(ts, it) for ts, it in iterations[1:]]
        else:
            lines.append(report)
        if rank == 0:
            lines.append(f"[after training is done] datetime: {t_end:%Y-%m-%d %H:%M:%S} ")
        lines += ms.worker_shutdown(proc, t_end + timedelta(milliseconds=300 + 7 * rank))
        _write(logdir / f"worker_{rank}.log", lines)
    sched = ms.Proc(pid=41000 + 150 * index + 99, tid=0x7F3A11C4EE40)
    _write(
        logdir / "scheduler.log",
        ms.scheduler_log(sched, run.world, t0, t_end + timedelta(seconds=1), PORT),
    )


def dryrun_iterations(run: DryRunRun, t_train: datetime) -> list[tuple[datetime, mg.Iteration]]:
    """The three iteration lines of a real run of seed 004."""
    rng = random.Random(f"{run.name}-tflops")
    tokens = DRYRUN_GBS * DRYRUN_SEQ
    flops = step_flops(tokens, DRYRUN_SEQ, run.recompute)
    losses = loss_curve(10240, DRYRUN_STEPS, 2.21, 1.9)
    out, now = [], t_train
    for step in range(1, DRYRUN_STEPS + 1):
        tf = round(run.tflops * (0.42 if step == 1 else 1.0) + rng.gauss(0, 0.4), 1)
        step_ms = round(flops / (tf * 1e12 * DRYRUN_WORLD) * 1000, 1)
        now += timedelta(milliseconds=step_ms)
        it = mg.Iteration(
            step,
            DRYRUN_STEPS,
            step * DRYRUN_GBS,
            step_ms,
            tf,
            1.25e-6,
            DRYRUN_GBS,
            losses[step - 1],
            2.9 - 0.3 * step,
        )
        out.append((now.replace(microsecond=0), it))
    return out


def _dryrun_memory(run: DryRunRun, rank: int) -> list[str]:
    """Seed 004's row on stage-0 rank 0; the other ranks a little lower."""
    stage, tp_rank = stage_of(rank, DRYRUN_TP, 1)
    scale = 1.0 if (stage, tp_rank) == (0, 0) else (0.97 if stage == 0 else 0.86)
    peak_used = round(run.peak_used_mb * scale) - (tp_rank if stage else 0)
    peak_actual = round(run.peak_actual_mb * scale) - (tp_rank if stage else 0)
    base = 0xFFFFE9DC1407 - 0x1000000 * rank
    return ms.memory_summary(run.device_mb, run.used_mb, base, peak_used, peak_actual)


def write_dryrun_run(root: Path, run: DryRunRun, index: int) -> None:
    """One run of seed 004: four workers, the dry-run evidence, the memory summary per rank."""
    rng = random.Random(f"{run.name}-procs")
    logdir = root / run.name / "msrun_log"
    logdir.mkdir(parents=True, exist_ok=True)
    t0, t_train = run.start, run.start + timedelta(seconds=58)
    iterations = [] if run.dryrun else dryrun_iterations(run, t_train)
    t_end = (iterations[-1][0] if iterations else t_train + timedelta(seconds=95)) + timedelta(
        seconds=3
    )
    for rank in range(DRYRUN_WORLD):
        proc = _proc(10 + index, rank, rng)
        lines = ms.worker_startup(
            proc, rank, DRYRUN_WORLD, t0 + timedelta(milliseconds=170 + 13 * rank), PORT
        )
        if run.dryrun:
            lines.append(ms.dryrun_notice(proc, t0 + timedelta(seconds=3, milliseconds=rank)))
        lines += ms.worker_python_warnings(proc, t0 + timedelta(seconds=5, milliseconds=71 * rank))
        if rank == 0:
            lines += mg.startup_rank0(DRYRUN_WORLD, DRYRUN_TP, DRYRUN_PP, 1, 1)
            lines += mg.arguments_dump(dryrun_args(run.recompute))
            lines += mg.setup_rank0(
                DRYRUN_TP,
                DRYRUN_PP,
                t0 + timedelta(seconds=40),
                t0 + timedelta(seconds=56),
                t_train,
            )
        if rank == DRYRUN_WORLD - 1:
            lines += [mg.iteration_line(ts, it) for ts, it in iterations]
        if rank == 0:
            lines.append(f"[after training is done] datetime: {t_end:%Y-%m-%d %H:%M:%S} ")
        lines += _dryrun_memory(run, rank)
        lines += ms.worker_shutdown(proc, t_end + timedelta(milliseconds=200 + 9 * rank))
        _write(logdir / f"worker_{rank}.log", lines)
    sched = ms.Proc(pid=47000 + 150 * index + 99, tid=0x7F3A11C4EE40)
    _write(
        logdir / "scheduler.log",
        ms.scheduler_log(sched, DRYRUN_WORLD, t0, t_end + timedelta(seconds=1), PORT),
    )


def _write(path: Path, lines: list[str]) -> None:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def generate(out: Path = HERE) -> list[Path]:
    """Write both sample directories under ``out``; returns the run directories written."""
    written = []
    for i, run in enumerate(STRATEGY_RUNS):
        write_strategy_run(out / STRATEGIES_DIR, run, i)
        written.append(out / STRATEGIES_DIR / run.name)
    for i, run in enumerate(DRYRUN_RUNS):
        write_dryrun_run(out / DRYRUN_DIR, run, i)
        written.append(out / DRYRUN_DIR / run.name)
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else HERE
    for path in generate(out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
