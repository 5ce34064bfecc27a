"""One-shot commands cold vs from the parse cache, and the live catch-up of a big run.

`python -m benchmarks.bench_cache_load [SIZE_MB]` (default 1024 MB of the realistic Megatron mix
of :mod:`benchmarks.logdata`, cached in bench_data/). Each figure comes with `grep -c 'lm loss'`
over the same files timed in the same run (the machine is shared):

- `analyzer parse --kind all -> parquet` and `analyzer compare`: `--no-cache`, cold (an empty
  cache: parse + cache write), cached (reopen: target < 1 s for 1 GB);
- `analyzer watch --idle-exit 1 --no-cache` (stdout counted): wall time less the idle second,
  i.e. the time to the first complete catch-up (was ~104 s for 1 GB, line by line);
- the same catch-up in process (`LiveSession`, what the TUI starts with), records not printed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.logdata import generate


def _timed(cmd: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall seconds of a child command and how many lines it printed."""
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, env=env, check=True)
    return time.perf_counter() - t0, proc.stdout.count(b"\n")


def _analyzer(*args: str) -> list[str]:
    return [str(Path(sys.executable).with_name("analyzer")), *args]


def _grep(files: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(["grep", "-c", "lm loss", *files], stdout=subprocess.PIPE, check=True)
    return time.perf_counter() - t0


def _line(label: str, secs: float, grep_s: float, mb: float) -> None:
    print(
        f"  {label:<44} {secs:7.2f} s  {mb / secs:7.0f} MB/s  "
        f"ratio to grep {grep_s / secs:5.2f} (grep {grep_s:.2f} s)"
    )


def _verb(verb: list[str], data: Path, files: list[str], mb: float, out: Path) -> None:
    cache = Path(tempfile.mkdtemp(prefix="bench_cache_xdg_"))
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    try:
        for label, extra in (("--no-cache", ["--no-cache"]), ("cold", []), ("cached", [])):
            grep_s = _grep(files)
            secs, _n = _timed(_analyzer(*verb, str(data), *extra), env)
            _line(f"{' '.join(verb[:1])} {label}", secs, grep_s, mb)
            shutil.rmtree(out, ignore_errors=True)
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def _watch(data: Path, files: list[str], mb: float) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": tempfile.mkdtemp(prefix="bench_cache_xdg_")}
    grep_s = _grep(files)
    secs, n = _timed(_analyzer("watch", str(data), "--idle-exit", "1", "--no-cache", "-q"), env)
    _line(f"watch --idle-exit 1 catch-up ({n:,} records)", secs - 1, grep_s, mb)
    shutil.rmtree(env["XDG_CACHE_HOME"], ignore_errors=True)


def _session(data: Path, files: list[str], mb: float) -> None:
    from analyzer.live import LiveSession

    grep_s = _grep(files)
    with tempfile.TemporaryDirectory(prefix="bench_cache_live_") as cache:
        t0 = time.perf_counter()
        s = LiveSession([data], cache_dir=Path(cache), use_cache=False, batch_interval=0.0)
        s.start(lambda _b: None)
        s.ready.wait()
        while s.backlog():
            time.sleep(0.01)
        secs = time.perf_counter() - t0
        s.stop()
        rows = sum(d.frame("step").height for d in s.runs.values())
    _line(f"LiveSession cold catch-up ({rows:,} steps)", secs, grep_s, mb)


def main() -> None:
    sizes = [a for a in sys.argv[1:] if not a.startswith("--")]
    data = generate(int(sizes[0]) if sizes else 1024, mix="realistic")
    files = sorted(str(p) for p in data.glob("worker_*.log"))
    mb = sum(os.path.getsize(f) for f in files) / 1e6
    subprocess.run(["cat", *files], check=True, stdout=subprocess.DEVNULL)  # warm the page cache
    print(f"data: {len(files)} files, {mb:.0f} MB ({data})")
    out = Path(tempfile.mkdtemp(prefix="bench_cache_out_"))
    try:
        parse = ["parse", "--kind", "all", "--format", "parquet", "-o", str(out / "p")]
        _verb([*parse, "--quiet", "--force"], data, files, mb, out / "p")
        _verb(["compare"], data, files, mb, out / "c")
    finally:
        shutil.rmtree(out, ignore_errors=True)
    _watch(data, files, mb)
    _session(data, files, mb)


if __name__ == "__main__":
    main()
