"""Deterministic generator of large Megatron-style rank logs, for the parse benchmark.

Two mixes (data goes to ``bench_data/``, outside git; reused once written):

``realistic`` (default), one job of ``files`` ranks (16: TP2 x PP4 x DP2), every rank logging
the same steps, as Megatron/MindSpeed-LLM on Ascend write them (the last rank's file is the largest):

- the iteration line and the ``time (ms) | ...`` timer line of every step only on the last rank
  of the job (``--log-interval 1``; Megatron prints both from the last rank only);
- a ``[Rank N] (after K iterations) memory (MB) | ...`` report every 100 steps from the first
  rank of each data-parallel group (ranks 0..7 here);
- MindSpore C++/Python ``[WARNING]`` lines now and then (about one step in 25, every rank);
- a (recovered) Python traceback about once every 20 000 steps per rank;
- plenty of unclaimed noise on every rank each step: data-loader and tqdm-style progress lines,
  torch_npu/CANN-style chatter without error codes, blank lines.

``dense`` (pessimistic): every rank carries an iteration and a timer line per step, two
MindSpore warnings per step, a memory report every 10 steps and the same noise.
"""

from __future__ import annotations

import random
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "bench_data"
MIXES = ("realistic", "dense")
DP_FIRST_RANKS = 8  # TP2 x PP4 x DP2: ranks 0..7 are first in their data-parallel group


def _iteration(step: int, total: int, rng: random.Random) -> tuple[str, float]:
    loss = 11.0 * (0.9995**step) + rng.random() * 0.05
    ms = 1200.0 + rng.random() * 40.0
    line = (
        f" iteration {step:8d}/{total:8d} | consumed samples: {step * 64:12d} | "
        f"elapsed time per iteration (ms): {ms:.1f} | throughput per GPU (TFLOP/s/GPU): "
        f"{119.0 + rng.random():.1f} | learning rate: {1e-5 * (1 + step % 7):.6E} | "
        f"global batch size:    64 | lm loss: {loss:.6E} | loss scale: 1.0 | grad norm: "
        f"{1.0 + rng.random():.3f} | number of skipped iterations:   0 | "
        f"number of nan iterations:   0 |"
    )
    return line, ms


def _timers(ms: float) -> str:
    return (
        f"time (ms) | forward-backward: {ms * 0.9:.2f} | forward-compute: {ms * 0.3:.2f} | "
        f"backward-compute: {ms * 0.6:.2f} | optimizer: {ms * 0.05:.2f}"
    )


def _warnings(rank: int, step: int) -> list[str]:
    ts = f"2025-03-12-10:{(step // 60) % 60:02d}:{step % 60:02d}"
    return [
        f"[WARNING] ME({4000 + rank}:139876543210,MainProcess):{ts}.{step % 1000}.0 "
        f"[mindspore/ops/primitive.py:{100 + step % 50}] The 'Cast' operator is deprecated.",
        f"[WARNING] DEVICE({4000 + rank},7f3a2b1c4700,python):{ts}.123.456 "
        f"[mindspore/ccsrc/runtime/device/kernel_runtime.cc:{300 + step % 9}] "
        f"SyncStream] Stream sync took longer than expected.",
    ]


def _memory(rank: int, step: int, rng: random.Random) -> str:
    return (
        f"[Rank {rank}] (after {step} iterations) memory (MB) | allocated: "
        f"{20000 + rng.random() * 100:.4f} | max allocated: 30123.5 | reserved: 31000.0 | "
        f"max reserved: {33000 + rank * 10}.0"
    )


def _noise(rank: int, step: int, total: int) -> list[str]:
    return [
        f"  {step % 100:3d}%|{'#' * (step % 10)}{' ' * (10 - step % 10)}| {step}/{total} "
        "[00:12<00:30, 1.23it/s]",
        f"dataloader worker {rank} fetched batch {step} from shard {step % 128} "
        f"(prefetch queue 4/8, {1000 + step % 977} samples buffered)",
        f"[W compiler_depend.ts:{133 + step % 7}] Warning: Device do not support double dtype "
        "now, dtype cast replace with float. (function operator())",
        f"rank {rank}: grad sync bucket {step % 16} of 16 done, {step % 997} KiB in flight",
        "",
    ]


_TRACEBACK = [
    "Traceback (most recent call last):",
    '  File "/opt/train/pretrain_gpt.py", line 123, in <module>',
    "    main()",
    '  File "/opt/train/pretrain_gpt.py", line 99, in main',
    "    warn_on_slow_io()",
    "UserWarning: slow I/O detected on /data (recovered)",
]


def _step_lines(mix: str, rank: int, files: int, step: int, rng: random.Random) -> list[str]:
    total = 10_000_000
    dense = mix == "dense"
    lines: list[str] = []
    if dense or rank == files - 1:
        line, ms = _iteration(step, total, rng)
        lines += [line, _timers(ms)]
    if dense:
        lines += _warnings(rank, step)
    elif rng.random() < 0.04:
        lines.append(_warnings(rank, step)[rng.random() < 0.5])
    lines += _noise(rank, step, total)
    if (dense and step % 10 == 0) or (rank < DP_FIRST_RANKS and step % 100 == 0):
        lines.append(_memory(rank, step, rng))
    if step % (5000 if dense else 20_000) == 0:
        lines += _TRACEBACK
    return lines


def generate(
    total_mb: int = 1024, files: int = 16, *, mix: str = "realistic", root: Path = ROOT
) -> Path:
    """Write ``files`` rank logs of about ``total_mb`` MB in all (reused when already there).

    Every rank logs the same steps (one job); files differ in size by what only some ranks print.
    """
    if mix not in MIXES:
        raise ValueError(f"mix must be one of {MIXES}")
    out = root / f"megatron_{mix}_{total_mb}mb_{files}f"
    marker = out / ".complete"
    if marker.exists():
        return out
    out.mkdir(parents=True, exist_ok=True)
    per_file = total_mb * (1 << 20) // files
    steps = _steps_for(mix, files, per_file)
    for rank in range(files):
        rng = random.Random(rank)
        with open(out / f"worker_{rank}.log", "w", encoding="utf-8") as fh:
            buf: list[str] = []
            for step in range(1, steps + 1):
                buf.extend(_step_lines(mix, rank, files, step, rng))
                if len(buf) > 20_000:
                    fh.write("\n".join(buf) + "\n")
                    buf.clear()
            if buf:
                fh.write("\n".join(buf) + "\n")
    marker.write_text("ok\n")
    return out


def _steps_for(mix: str, files: int, per_file: int) -> int:
    """Steps so that an average rank file is about ``per_file`` bytes."""
    rng = random.Random(0)
    sample = 200
    size = 0
    for rank in range(files):
        for step in range(1, sample + 1):
            size += sum(len(s) + 1 for s in _step_lines(mix, rank, files, step, rng))
    return max(1, per_file * sample * files // size)


if __name__ == "__main__":
    import sys

    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    chosen = "dense" if "--dense" in sys.argv else "realistic"
    print(generate(int(args[0]) if args else 1024, mix=chosen))
