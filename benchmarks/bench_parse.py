"""`analyzer parse` end to end over ~1 GB of rank logs, against `grep -c 'lm loss'` in the same run.

Usage: ``python -m benchmarks.bench_parse [SIZE_MB]`` (default 1024; data cached in bench_data/).
Reports MB/s, the ratio to grep, and the peak RSS of the parse (largest process).
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.logdata import generate


def _run(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of a child command (RSS of the largest process)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, max(after, before) / 1024


def _analyzer() -> str:
    return str(Path(sys.executable).with_name("analyzer"))


def main() -> None:
    size_mb = int(sys.argv[1]) if len(sys.argv) > 1 else 1024
    data = generate(size_mb)
    files = sorted(str(p) for p in data.glob("worker_*.log"))
    total = sum(os.path.getsize(f) for f in files) / 1e6
    subprocess.run(["cat", *files], check=True, stdout=subprocess.DEVNULL)  # warm the page cache
    grep_s, _ = _run(["grep", "-c", "lm loss", *files])
    out = Path(tempfile.mkdtemp(prefix="bench_parse_"))
    try:
        print(f"data: {len(files)} files, {total:.0f} MB")
        print(f"grep -c 'lm loss': {grep_s:.2f} s, {total / grep_s:.0f} MB/s")
        for kind in ("steps", "all"):
            target = out / kind
            if kind == "steps":
                target = target.with_suffix(".parquet")
            cmd = [
                _analyzer(),
                "parse",
                str(data),
                "--kind",
                kind,
                "--format",
                "parquet",
                "-o",
                str(target),
                "--quiet",
                "--no-cache",
            ]
            wall, rss = _run(cmd)
            mbps = total / wall
            print(
                f"analyzer parse --kind {kind} -> parquet: {wall:.2f} s, {mbps:.0f} MB/s, "
                f"ratio to grep {grep_s / wall:.2f}, peak RSS {rss:.0f} MB"
            )
    finally:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
