"""`analyzer parse` end to end over ~1 GB of rank logs, against `grep -c 'lm loss'` in the same run.

Usage: ``python -m benchmarks.bench_parse [SIZE_MB] [--dense|--both] [--repeat N]`` (default
1024 MB of the realistic mix, see :mod:`benchmarks.logdata`; data cached in bench_data/).
Reports MB/s, the ratio to grep (both the best of N runs, grep timed right before each parse,
as the machine is shared), and the peak RSS of the parse (largest process).
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


def _run(
    cmd: list[str], *, read_output: bool = False, env: dict[str, str] | None = None
) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one child command (its largest process, workers too:
    ``ru_maxrss`` covers descendants it waited for; workers forked by a forkserver were not).

    ``read_output``: stdout goes to a pipe we drain (GNU grep stops at the first match when
    its output is /dev/null, which would make the baseline meaningless).
    """
    t0 = time.perf_counter()
    out = subprocess.PIPE if read_output else subprocess.DEVNULL
    proc = subprocess.Popen(cmd, stdout=out, env=None if env is None else {**os.environ, **env})
    if proc.stdout is not None:
        proc.stdout.read()
        proc.stdout.close()
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, cmd)
    return wall, usage.ru_maxrss / 1024


def _native() -> str:
    from analyzer.fastscan import native

    return "built" if native() else "not built (polars path)"


def _analyzer() -> str:
    return str(Path(sys.executable).with_name("analyzer"))


#: (label, --kind, --format, output name, environment) of each measured variant; the last one
#: runs without the compiled scanner (the fallback on a machine without a C compiler).
VARIANTS: tuple[tuple[str, str, str, str, dict[str, str]], ...] = (
    ("--kind steps -> parquet", "steps", "parquet", "steps.parquet", {}),
    ("--kind all -> parquet", "all", "parquet", "all", {}),
    ("--kind all -> jsonl (the default format)", "all", "jsonl", "all.jsonl", {}),
    (
        "--kind steps -> parquet, polars scanner (ANALYZER_NATIVE=0)",
        "steps",
        "parquet",
        "steps0.parquet",
        {"ANALYZER_NATIVE": "0"},
    ),
)


def _parse_cmd(data: Path, kind: str, fmt: str, target: Path) -> list[str]:
    return [
        _analyzer(),
        "parse",
        str(data),
        "--kind",
        kind,
        "--format",
        fmt,
        "-o",
        str(target),
        "--quiet",
        "--no-cache",
        "--force",
    ]


def bench_mix(size_mb: int, mix: str, repeat: int) -> None:
    data = generate(size_mb, mix=mix)
    files = sorted(str(p) for p in data.glob("worker_*.log"))
    total = sum(os.path.getsize(f) for f in files) / 1e6
    subprocess.run(["cat", *files], check=True, stdout=subprocess.DEVNULL)  # warm the page cache
    out = Path(tempfile.mkdtemp(prefix="bench_parse_"))
    print(f"[{mix}] data: {len(files)} files, {total:.0f} MB; compiled scanner: {_native()}")
    try:
        for label, kind, fmt, name, env in VARIANTS:
            target = out / name
            best: tuple[float, float, float] | None = None
            for _ in range(repeat):
                grep_s, _rss = _run(["grep", "-c", "lm loss", *files], read_output=True)
                wall, rss = _run(_parse_cmd(data, kind, fmt, target), env=env)
                if best is None or grep_s / wall > best[0] / best[1]:
                    best = (grep_s, wall, rss)
            assert best is not None
            grep_s, wall, rss = best
            print(
                f"[{mix}] analyzer parse {label}: {wall:.2f} s, "
                f"{total / wall:.0f} MB/s; grep -c 'lm loss' {grep_s:.2f} s, "
                f"{total / grep_s:.0f} MB/s; ratio to grep {grep_s / wall:.2f}; "
                f"peak RSS {rss:.0f} MB"
            )
    finally:
        shutil.rmtree(out, ignore_errors=True)


def main() -> None:
    args = sys.argv[1:]
    repeat = 3
    if "--repeat" in args:
        i = args.index("--repeat")
        repeat = int(args[i + 1])
        del args[i : i + 2]
    mixes = ["realistic"]
    if "--dense" in args:
        mixes = ["dense"]
    if "--both" in args:
        mixes = ["realistic", "dense"]
    sizes = [a for a in args if not a.startswith("--")]
    size_mb = int(sizes[0]) if sizes else 1024
    for mix in mixes:
        bench_mix(size_mb, mix, repeat)


if __name__ == "__main__":
    main()
