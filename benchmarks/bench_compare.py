"""Benchmark `compare` beyond parsing: 64 runs × 8 ranks × 10,000 steps (5.12 M step rows).

Figures printed (`python -m benchmarks.bench_compare [RUNS RANKS STEPS]`):
- compare_table over frames already in memory (the time `compare` adds after parsing; target < 2 s);
- the same from cached Parquet (read every run's frames from disk, then compare; target < 1 s);
- rendering the table as markdown;
- a same-run baseline: a plain ``pl.concat`` + ``group_by("run").median()`` over the same steps,
  and the ratio of compare_table to it (what the extra statistics, labels and status cost).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import polars as pl

from analyzer.discover import RankFile, Run
from analyzer.formats import render
from analyzer.store import RunData, records_to_frame
from analyzer.summary import compare_table
from parsers import SCHEMAS

LAYOUTS = [(2, 4), (4, 2), (2, 2), (8, 1)]


def step_frame(run: str, rank: int, steps: int, seed: int) -> pl.DataFrame:
    """One rank's steps in the canonical schema (vectorised, deterministic noise)."""
    i = pl.int_range(1, steps + 1, eager=True)
    noise = ((i * 7919 + seed * 104729 + rank * 31) % 1000).cast(pl.Float64) / 1000
    frame = pl.DataFrame(
        {
            "run": pl.repeat(run, steps, eager=True),
            "rank": pl.repeat(rank, steps, eager=True),
            "source": pl.repeat(f"{run}/msrun_log/worker_{rank}.log", steps, eager=True),
            "line": i * 3,
            "step": i,
            "total_steps": pl.repeat(steps, steps, eager=True),
            "loss": 2.0 + 8.0 / (i.cast(pl.Float64) + 10) + noise / 50,
            "step_time_ms": 3000.0 + 100 * noise,
            "tflops": 120.0 - 4 * noise,
            "lr": pl.repeat(1.25e-6, steps, eager=True),
            "grad_norm": 1.0 + noise,
            "loss_scale": pl.repeat(1.0, steps, eager=True),
            "consumed_samples": i * 16,
            "global_batch_size": pl.repeat(16, steps, eager=True),
            "skipped": pl.repeat(0, steps, eager=True),
            "nan_count": pl.repeat(0, steps, eager=True),
        }
    )
    schema = SCHEMAS["step"]
    return frame.with_columns(
        pl.lit(None, dtype).alias(c) for c, dtype in schema.items() if c not in frame.columns
    ).select(pl.col(c).cast(t) for c, t in schema.items())


def make_run(index: int, ranks: int, steps: int) -> RunData:
    tp, pp = LAYOUTS[index % len(LAYOUTS)]
    name = f"run{index:02d}_tp{tp}pp{pp}"
    files = [RankFile(Path(f"/nonexistent/{name}/worker_{r}.log"), r) for r in range(ranks)]
    data = RunData(Run(name, Path(f"/nonexistent/{name}"), files))
    for rank in range(ranks):
        data.append_frame("step", step_frame(name, rank, steps, index))
    mem = [
        {"run": name, "rank": r, "metric": "max_reserved", "mb": 30000.0 + 100 * r + index}
        for r in range(ranks)
    ]
    data.append_frame("memory", records_to_frame("memory", mem))
    cfg = {
        "tp": tp,
        "pp": pp,
        "world_size": ranks,
        "global_batch_size": 16,
        "micro_batch_size": 1,
        "seq_length": 4096,
    }
    data.append_frame(
        "config",
        records_to_frame(
            "config", [{"run": name, "key": k, "value": str(v)} for k, v in cfg.items()]
        ),
    )
    return data


def timed(fn, repeat: int = 3) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def baseline(datas: list[RunData]) -> pl.DataFrame:
    steps = pl.concat([d.steps for d in datas])
    return steps.group_by("run").agg(pl.col("step_time_ms").median(), pl.col("tflops").median())


def from_parquet(folder: Path, names: list[str], ranks: int) -> list[RunData]:
    """Runs rebuilt from cached Parquet frames, as a cache or an export would give them back."""
    datas = []
    for name in names:
        files = [RankFile(Path(f"/nonexistent/{name}/worker_{r}.log"), r) for r in range(ranks)]
        data = RunData(Run(name, Path(f"/nonexistent/{name}"), files))
        for kind in ("step", "memory", "config"):
            data.append_frame(kind, pl.read_parquet(folder / f"{name}.{kind}.parquet"))
        datas.append(data)
    return datas


def main(argv: list[str] | None = None) -> None:
    args = [int(a) for a in (sys.argv[1:] if argv is None else argv)]
    runs, ranks, steps = (args + [64, 8, 10_000][len(args) :])[:3]
    t0 = time.perf_counter()
    datas = [make_run(i, ranks, steps) for i in range(runs)]
    for d in datas:
        d.steps  # noqa: B018 - concatenate once, as the loader leaves it
    rows = runs * ranks * steps
    print(
        f"built {runs} runs x {ranks} ranks x {steps} steps = {rows:,} step rows in {time.perf_counter() - t0:.1f} s"
    )
    t_base, _ = timed(lambda: baseline(datas))
    t_cmp, comp = timed(lambda: compare_table(datas))
    t_md, _ = timed(lambda: render(comp, "markdown"))
    with tempfile.TemporaryDirectory(prefix="bench_compare.") as tmp:
        folder = Path(tmp)
        for d in datas:
            for kind in ("step", "memory", "config"):
                d.frame(kind).write_parquet(folder / f"{d.name}.{kind}.parquet")
        names = [d.name for d in datas]
        t_pq, _ = timed(lambda: compare_table(from_parquet(folder, names, ranks)))
    print(f"baseline concat + group_by median:  {t_base:6.3f} s")
    print(
        f"compare_table (frames in memory):   {t_cmp:6.3f} s  ({rows / t_cmp / 1e6:.1f} M rows/s, ratio to baseline {t_cmp / t_base:.2f}; target < 2 s)"
    )
    print(
        f"compare from cached Parquet:        {t_pq:6.3f} s  (ratio to baseline {t_pq / t_base:.2f}; target < 1 s)"
    )
    print(f"render markdown:                    {t_md * 1000:6.1f} ms")


if __name__ == "__main__":
    main()
