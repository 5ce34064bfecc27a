"""Live tailing figures: latency, a flooding writer, idle cost, reopening from the parse cache.

`python -m benchmarks.bench_tail [latency] [flood] [idle] [cache] [--seconds N] [--gb G]`

- latency: 64 rank files, 20 appends a second; from a line's newline being written to its record
  on `analyzer watch`'s stdout (inotify and `--poll 0.1`); baseline: raw inotify event latency
  (watchdog, same files, same run). Targets: p99 < 25 ms inotify, < 1.5x the interval polling.
- flood: one writer at 50,000 lines/s (the realistic Megatron mix of benchmarks.logdata) for
  20 s; every record must arrive; lag after the writer stops < 1 s; baseline: one-shot parse.
- idle: 1,024 rank files watched and idle: CPU % of a core (< 2%) and memory per file (< 20 KB);
  baseline: the same watch on 1 file.
- cache: reopening G GB (default 1) of already-parsed logs (< 1 s); baseline: `cat` of the files.
All data is generated into a temporary directory and removed afterwards.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.logdata import generate

REPO = Path(__file__).resolve().parents[1]


def line(step: int) -> bytes:
    return (
        f" iteration {step:8d}/ 1000000 | consumed samples: {step * 32:12d} | elapsed time per "
        f"iteration (ms): 1200.0 | learning rate: 1.000000E-04 | global batch size:    32 | "
        f"lm loss: 9.500000E+00 | loss scale: 1.0 | grad norm: 1.234 |\n"
    ).encode()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


class WatchProc:
    """`analyzer watch` in a subprocess; a thread timestamps each stdout line."""

    def __init__(self, args: list[str], cache: Path) -> None:
        env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "analyzer", "watch", *args],
            stdout=subprocess.PIPE,
            env=env,
            cwd=REPO,
            bufsize=0,
        )
        self.arrivals: list[tuple[float, bytes]] = []
        self.count = 0
        self.last = 0.0
        self.keep = True
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        tail = b""
        while True:  # raw chunks: a per-line Python loop here would be the bottleneck
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return
            now = time.perf_counter()
            self.count += chunk.count(b"\n")
            self.last = now
            if self.keep:
                *done, tail = (tail + chunk).split(b"\n")
                self.arrivals.extend((now, raw) for raw in done)

    def wait_ready(self, path: Path) -> None:
        """Append probe lines until one comes out (the watcher has started)."""
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        step = 10**7
        while not self.count:
            if self.proc.poll() is not None:
                raise SystemExit(f"analyzer watch exited with {self.proc.returncode}")
            os.write(fd, line(step))
            step += 1
            time.sleep(0.05)
        os.close(fd)
        time.sleep(0.3)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def _files(d: Path, n: int, lines_each: int = 1) -> list[Path]:
    d.mkdir(parents=True, exist_ok=True)
    paths = [d / f"worker_{i}.log" for i in range(n)]
    for p in paths:
        p.write_bytes(b"".join(line(s) for s in range(1, lines_each + 1)))
    return paths


# -- latency -------------------------------------------------------------------------------------
def _append_schedule(paths: list[Path], seconds: float, rate: float, on_write) -> None:
    fds = [os.open(p, os.O_WRONLY | os.O_APPEND) for p in paths]
    rng = random.Random(1)
    step = 100
    start = time.perf_counter()
    for k in range(int(seconds * rate)):
        due = start + k / rate
        time.sleep(max(0.0, due - time.perf_counter()))
        i = rng.randrange(len(fds))
        step += 1
        t0 = time.perf_counter()
        os.write(fds[i], line(step))
        on_write(i, step, t0)
    for fd in fds:
        os.close(fd)


def _latency_watch(tmp: Path, poll: float | None, seconds: float) -> list[float]:
    paths = _files(tmp / f"lat_{poll}" / "job", 64)
    args = [str(paths[0].parent), "--from-end", "--no-cache"]
    if poll:
        args += ["--poll", str(poll)]
    w = WatchProc(args, tmp / "cache")
    w.wait_ready(paths[0])
    w.arrivals.clear()
    sent: dict[int, float] = {}
    _append_schedule(paths, seconds, 20, lambda i, step, t0: sent.__setitem__(step, t0))
    deadline = time.perf_counter() + 5
    while len(w.arrivals) < len(sent) and time.perf_counter() < deadline:
        time.sleep(0.05)
    w.stop()
    lat = []
    for t1, raw in w.arrivals:
        step = int(raw.split(b'"step": ', 1)[1].split(b",", 1)[0])
        if step in sent:
            lat.append((t1 - sent[step]) * 1000)
    return lat


def _latency_inotify_raw(tmp: Path, seconds: float) -> list[float]:
    from watchdog.events import FileSystemEventHandler
    from watchdog.observers.inotify import InotifyObserver

    paths = _files(tmp / "lat_raw" / "job", 64)
    last_write: dict[str, float] = {}
    lat: list[float] = []

    class H(FileSystemEventHandler):
        def on_modified(self, event) -> None:  # type: ignore[no-untyped-def]
            t0 = last_write.pop(os.fsdecode(event.src_path), None)
            if t0 is not None:
                lat.append((time.perf_counter() - t0) * 1000)

    obs = InotifyObserver(timeout=0.05)
    obs.schedule(H(), str(paths[0].parent), recursive=True)
    obs.start()
    _append_schedule(
        paths, seconds, 20, lambda i, step, t0: last_write.__setitem__(str(paths[i]), t0)
    )
    time.sleep(0.2)
    obs.stop()
    obs.join()
    return lat


def bench_latency(tmp: Path, seconds: float) -> None:
    raw = _latency_inotify_raw(tmp, seconds)
    ino = _latency_watch(tmp, None, seconds)
    pol = _latency_watch(tmp, 0.1, seconds)
    print(f"latency, 64 files, 20 appends/s, {seconds:g} s each:")
    for name, lat, target in (
        ("raw inotify event (baseline)", raw, None),
        ("watch, inotify", ino, 25.0),
        ("watch, --poll 0.1", pol, 150.0),
    ):
        p50, p99 = pct(lat, 0.5), pct(lat, 0.99)
        ratio = f"  p50 {p50 / pct(raw, 0.5):.0f}x baseline" if lat is not raw else ""
        goal = (
            f"  target p99 < {target:g} ms: {'ok' if p99 < target else 'MISSED'}" if target else ""
        )
        print(f"  {name:30s} n={len(lat):4d}  p50 {p50:7.2f} ms  p99 {p99:7.2f} ms{ratio}{goal}")


# -- flood ---------------------------------------------------------------------------------------
def _block(step: int) -> list[bytes]:
    """One step of a realistic rank log: iteration, timers, framework warnings, noise."""
    ts = f"2025-03-12-10:{(step // 60) % 60:02d}:{step % 60:02d}"
    return [
        line(step).rstrip(b"\n"),
        f"time (ms) | forward-backward: {1100 + step % 9}.25 | optimizer: 61.40".encode(),
        f"[WARNING] ME(4000:139876543210,MainProcess):{ts}.{step % 1000}.0 "
        f"[mindspore/ops/primitive.py:{100 + step % 50}] The 'Cast' operator is deprecated.".encode(),
        f"  {step % 100:3d}%|{'#' * (step % 10):10s}| {step}/1000000 [00:12<00:30, 1.23it/s]".encode(),
        f"dataloader worker 0 fetched batch {step} from shard {step % 128}".encode(),
        b"",
    ]


def _flood_text(lines_needed: int) -> list[bytes]:
    out: list[bytes] = []
    step = 1
    while len(out) < lines_needed:
        out.extend(b + b"\n" for b in _block(step))
        step += 1
    return out[:lines_needed]


def _write_at_rate(log: Path, lines: list[bytes], rate: int) -> tuple[float, float]:
    fd = os.open(log, os.O_WRONLY | os.O_APPEND)
    start = time.perf_counter()
    written = 0
    while written < len(lines):
        due = min(len(lines), int((time.perf_counter() - start) * rate) + 1)
        if due > written:
            os.write(fd, b"".join(lines[written:due]))
            written = due
        time.sleep(0.005)
    os.close(fd)
    return start, time.perf_counter()


def bench_flood(tmp: Path, seconds: float, rate: int = 50_000) -> None:
    from parsers import parse_lines

    run = tmp / "flood" / "job"
    run.mkdir(parents=True)
    log = run / "worker_0.log"
    log.touch()
    lines = _flood_text(int(rate * seconds))
    t0 = time.perf_counter()  # the baseline, and the expected count, before the watch starts
    expected = len(parse_lines([b.decode() for b in lines])[0])
    parse_s = time.perf_counter() - t0
    w = WatchProc([str(run)], tmp / "flood_cache")
    w.keep = False
    w.wait_ready(run / "worker_1.log")
    probes = w.count
    start, end = _write_at_rate(log, lines, rate)
    deadline = time.perf_counter() + 180
    while w.count - probes < expected and time.perf_counter() < deadline:
        time.sleep(0.01)
    got, lag = w.count - probes, w.last - end
    watch_rate = len(lines) / (w.last - start)
    w.stop()
    n = len(lines)
    print(f"flood: {n:,} lines in {end - start:.1f} s ({n / (end - start):,.0f} lines/s)")
    verdict = "none lost" if got == expected else "MISMATCH"
    print(f"  records expected {expected:,}, received {got:,}: {verdict}")
    print(f"  lag after the writer stopped: {lag:.2f} s (target < 1 s: {_ok(lag < 1)})")
    print(
        f"  baseline one-shot parse_lines of the same lines: {n / parse_s:,.0f} lines/s; "
        f"watch overall {watch_rate:,.0f} lines/s ({watch_rate / (n / parse_s):.2f}x)"
    )


def _ok(good: bool) -> str:
    return "ok" if good else "MISSED"


# -- idle ----------------------------------------------------------------------------------------
def _proc_cpu_rss(pid: int) -> tuple[float, int]:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    rss = int(next(x for x in Path(f"/proc/{pid}/status").read_text().splitlines()
                   if x.startswith("VmRSS")).split()[1])  # fmt: skip
    return cpu, rss * 1024


def _idle(tmp: Path, n: int, seconds: float) -> tuple[float, int]:
    paths = _files(tmp / f"idle_{n}" / "job", n, lines_each=3)
    w = WatchProc([str(paths[0].parent), "--no-cache"], tmp / "cache")
    w.wait_ready(paths[0])
    cpu0, _ = _proc_cpu_rss(w.proc.pid)
    t0 = time.perf_counter()
    time.sleep(seconds)
    cpu1, rss = _proc_cpu_rss(w.proc.pid)
    share = (cpu1 - cpu0) / (time.perf_counter() - t0) * 100
    w.stop()
    return share, rss


def bench_idle(tmp: Path, seconds: float) -> None:
    """Idle cost of 1,024 followed files. Memory per file is measured between 768 and 1,024
    files, not against 1: a catch-up of a few records is printed record by record, one of
    thousands by polars, whose JSON writer alone adds some 15 MB that no file costs (768 and
    1,024 files of 3 lines both take the polars path)."""
    one_cpu, one_rss = _idle(tmp, 1, seconds)
    _cpu, fewer_rss = _idle(tmp, 768, seconds)
    many_cpu, many_rss = _idle(tmp, 1024, seconds)
    per_file = (many_rss - fewer_rss) / (1024 - 768)
    print(f"idle, {seconds:g} s:")
    print(f"  1 file (baseline):  CPU {one_cpu:5.2f}% of a core, RSS {one_rss / 2**20:6.1f} MB")
    print(f"  768 files:          RSS {fewer_rss / 2**20:6.1f} MB")
    print(
        f"  1,024 files:        CPU {many_cpu:5.2f}% of a core (target < 2%: "
        f"{'ok' if many_cpu < 2 else 'MISSED'}), RSS {many_rss / 2**20:6.1f} MB"
    )
    print(
        f"  memory per idle file: {per_file / 1024:.1f} KB (target < 20 KB: "
        f"{'ok' if per_file < 20 * 1024 else 'MISSED'})"
    )


# -- cache ---------------------------------------------------------------------------------------
def _session_load(paths: list[Path], cache: Path) -> tuple[float, int, int]:
    from analyzer.live import LiveSession

    lines = [0]
    t0 = time.perf_counter()
    s = LiveSession(paths, cache_dir=cache, batch_interval=0.0)
    s.start(lambda b: lines.__setitem__(0, lines[0] + b.lines))
    s.ready.wait()
    while s.backlog():
        time.sleep(0.01)
    took = time.perf_counter() - t0
    s.stop()  # delivers what is still pending, so the store is complete
    rows = sum(d.frame(k).height for d in s.runs.values() for k in ("step", "timer", "memory"))
    return took, lines[0], rows


def bench_cache(tmp: Path, gb: float) -> None:
    t0 = time.perf_counter()
    data = generate(int(gb * 1024), 16, root=tmp / "gen")
    gen_s = time.perf_counter() - t0
    files = sorted(data.glob("worker_*.log"))
    size = sum(f.stat().st_size for f in files)
    t0 = time.perf_counter()
    subprocess.run(["cat", *map(str, files)], stdout=subprocess.DEVNULL, check=True)
    cat_s = time.perf_counter() - t0
    cold_s, cold_lines, rows = _session_load([data], tmp / "gen_cache")
    warm_s, warm_lines, warm_rows = _session_load([data], tmp / "gen_cache")
    print(f"cache: {size / 2**30:.2f} GB in 16 files (generated in {gen_s:.0f} s)")
    print(f"  baseline cat: {cat_s:.2f} s")
    print(
        f"  first open (parse + cache write): {cold_s:.1f} s, {cold_lines:,} lines, {rows:,} rows"
    )
    print(
        f"  reopen from the cache: {warm_s:.2f} s, {warm_lines:,} lines parsed, "
        f"{warm_rows:,} rows  ({warm_s / cat_s:.1f}x cat; target < 1 s: "
        f"{'ok' if warm_s < 1 else 'MISSED'}; same rows: {warm_rows == rows})"
    )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.bench_tail")
    ap.add_argument("parts", nargs="*", default=["latency", "flood", "idle", "cache"])
    ap.add_argument("--seconds", type=float, default=10.0, help="latency/idle duration")
    ap.add_argument("--flood-seconds", type=float, default=20.0)
    ap.add_argument("--rate", type=int, default=50_000, help="flood writer lines/s")
    ap.add_argument("--gb", type=float, default=1.0, help="cache benchmark data size")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench_tail_") as tmp:
        for part in args.parts:
            if part == "latency":
                bench_latency(Path(tmp), args.seconds)
            elif part == "flood":
                bench_flood(Path(tmp), args.flood_seconds, args.rate)
            elif part == "idle":
                bench_idle(Path(tmp), args.seconds)
            elif part == "cache":
                bench_cache(Path(tmp), args.gb)
            sys.stdout.flush()


if __name__ == "__main__":
    main()
