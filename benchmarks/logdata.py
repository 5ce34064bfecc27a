"""Deterministic generator of large Megatron-style rank logs with realistic noise, for benchmarks.

Every rank file carries iteration lines (pessimistic: real Megatron prints them on the last rank
only), timer lines, memory reports, MindSpore C++/Python warnings, tqdm-ish and other unclaimed
noise, and now and then a Python traceback. Data goes to a directory outside git (``bench_data/``).
"""

from __future__ import annotations

import random
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "bench_data"


def _step_block(rank: int, step: int, total: int, rng: random.Random) -> str:
    loss = 11.0 * (0.9995**step) + rng.random() * 0.05
    ms = 1200.0 + rng.random() * 40.0
    ts = f"2025-03-12-10:{(step // 60) % 60:02d}:{step % 60:02d}"
    lines = [
        f" iteration {step:8d}/{total:8d} | consumed samples: {step * 64:12d} | "
        f"elapsed time per iteration (ms): {ms:.1f} | throughput per GPU (TFLOP/s/GPU): "
        f"{119.0 + rng.random():.1f} | learning rate: {1e-5 * (1 + step % 7):.6E} | "
        f"global batch size:    64 | lm loss: {loss:.6E} | loss scale: 1.0 | grad norm: "
        f"{1.0 + rng.random():.3f} | number of skipped iterations:   0 | "
        f"number of nan iterations:   0 |",
        f"time (ms) | forward-backward: {ms * 0.9:.2f} | forward-compute: {ms * 0.3:.2f} | "
        f"backward-compute: {ms * 0.6:.2f} | optimizer: {ms * 0.05:.2f}",
        f"[WARNING] ME({4000 + rank}:139876543210,MainProcess):{ts}.{step % 1000}.0 "
        f"[mindspore/ops/primitive.py:{100 + step % 50}] The 'Cast' operator is deprecated.",
        f"[WARNING] DEVICE({4000 + rank},7f3a2b1c4700,python):{ts}.123.456 "
        f"[mindspore/ccsrc/runtime/device/kernel_runtime.cc:{300 + step % 9}] "
        f"SyncStream] Stream sync took longer than expected.",
        f"  {step % 100:3d}%|{'#' * (step % 10)}{' ' * (10 - step % 10)}| {step}/{total} "
        "[00:12<00:30, 1.23it/s]",
        f"dataloader worker {rank} fetched batch {step} from shard {step % 128}",
        "",
    ]
    if step % 10 == 0:
        lines.append(
            f"[Rank {rank}] (after {step} iterations) memory (MB) | allocated: "
            f"{20000 + rng.random() * 100:.4f} | max allocated: 30123.5 | reserved: 31000.0 | "
            f"max reserved: {33000 + rank * 10}.0"
        )
    if step % 5000 == 0:
        lines += [
            "Traceback (most recent call last):",
            '  File "/opt/train/pretrain_gpt.py", line 123, in <module>',
            "    main()",
            '  File "/opt/train/pretrain_gpt.py", line 99, in main',
            "    warn_on_slow_io()",
            "UserWarning: slow I/O detected on /data (recovered)",
        ]
    return "\n".join(lines) + "\n"


def generate(total_mb: int = 1024, files: int = 16, *, root: Path = ROOT) -> Path:
    """Write ``files`` rank logs of about ``total_mb`` MB in all (reused when already there)."""
    out = root / f"megatron_{total_mb}mb_{files}f"
    marker = out / ".complete"
    if marker.exists():
        return out
    out.mkdir(parents=True, exist_ok=True)
    per_file = total_mb * (1 << 20) // files
    for rank in range(files):
        rng = random.Random(rank)
        path = out / f"worker_{rank}.log"
        written, step = 0, 1
        total = 10_000_000
        with open(path, "w", encoding="utf-8") as fh:
            while written < per_file:
                block = _step_block(rank, step, total, rng)
                fh.write(block)
                written += len(block)
                step += 1
    marker.write_text("ok\n")
    return out


if __name__ == "__main__":
    import sys

    print(generate(int(sys.argv[1]) if len(sys.argv) > 1 else 1024))
