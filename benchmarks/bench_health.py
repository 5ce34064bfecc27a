"""Benchmark `check`: every health rule over one big run (64 ranks × 5,000 steps, 320 k rows).

Figures printed (`python -m benchmarks.bench_health [RANKS STEPS]`):
- the time of each rule and of ``check`` as a whole over frames already in memory (what
  ``analyzer check`` adds after parsing, and what ``watch --alerts`` pays per re-check);
- a same-run baseline: one polars pass computing the per-step median step time across ranks
  over the same frame, and the ratio of ``check`` to it.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

from analyzer.discover import Run
from analyzer.health import RULE_FUNCS, check
from analyzer.health_config import HealthConfig
from analyzer.store import RunData
from parsers import SCHEMAS


def step_frame(ranks: int, steps: int) -> pl.DataFrame:
    """A clean run's steps in the canonical schema (deterministic noise)."""
    rng = np.random.default_rng(0)
    n = ranks * steps
    step = np.repeat(np.arange(1, steps + 1), ranks)
    rank = np.tile(np.arange(ranks), steps)
    data = {
        "run": ["big"] * n,
        "rank": rank,
        "source": [f"worker_{r}.log" for r in rank],
        "line": step * 2,
        "step": step,
        "loss": 2 + 8 * np.exp(-step / 400) + rng.random(n) * 0.05,
        "step_time_ms": 3000 + rng.random(n) * 50,
        "loss_scale": np.full(n, 65536.0),
        "grad_norm": 1 + rng.random(n),
    }
    frame = pl.DataFrame(data)
    missing = [pl.lit(None, dtype=t).alias(c) for c, t in SCHEMAS["step"].items() if c not in data]
    return frame.with_columns(missing).select(list(SCHEMAS["step"])).cast(SCHEMAS["step"])


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    ranks, steps = (int(a) for a in sys.argv[1:3]) if len(sys.argv) > 2 else (64, 5000)
    frame = step_frame(ranks, steps)
    print(f"{ranks} ranks x {steps} steps = {frame.height:,} step rows")
    cfg, now = HealthConfig(), time.time()
    for name, rule in RULE_FUNCS.items():
        data = RunData(Run("big", Path("/nonexistent/big")))
        data.append_frame("step", frame)
        print(f"  {name:<20} {timed(lambda r=rule, d=data: r(d, cfg, now)):7.3f} s")
    data = RunData(Run("big", Path("/nonexistent/big")))
    data.append_frame("step", frame)
    total = timed(lambda: check([data], config=cfg, now=now))
    base = timed(lambda: frame.group_by("step").agg(pl.col("step_time_ms").median()))
    print(f"check (all rules)        {total:7.3f} s")
    print(f"baseline (median/step)   {base:7.3f} s")
    print(f"ratio check/baseline     {total / base:7.1f}x")
    findings = check([data], config=cfg, now=now)
    print(f"findings on the clean run: {len(findings)}")


if __name__ == "__main__":
    main()
