"""Run every benchmark module in turn (`python -m benchmarks [NAME...]`).

Each `benchmarks/bench_*.py` has a `main() -> None` that prints its figures and a ratio to a
baseline measured in the same run, since these machines are shared and noisy.
"""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
import time

import benchmarks


def bench_modules() -> list[str]:
    return sorted(
        info.name
        for info in pkgutil.iter_modules(benchmarks.__path__)
        if info.name.startswith("bench_")
    )


def main(argv: list[str]) -> int:
    names = argv or bench_modules()
    failed = []
    for name in names:
        name = name if name.startswith("bench_") else f"bench_{name}"
        importlib.util.find_spec(f"benchmarks.{name}")
        print(f"=== {name}", flush=True)
        t0 = time.perf_counter()
        rc = subprocess.call([sys.executable, "-m", f"benchmarks.{name}"])
        print(f"=== {name}: exit {rc} in {time.perf_counter() - t0:.1f} s\n", flush=True)
        if rc:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
