"""One-shot loading: paths → runs → parsed frames (the tail read once to the end).

Rank files are parsed in parallel processes when there is enough data to pay for it, so a
multi-GB run uses both cores. Binary files are skipped with a note; unreadable ones too.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.context
import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from analyzer.cache import cache_root, cached_offset
from analyzer.cache_load import load_file
from analyzer.cache_prune import maybe_prune
from analyzer.discover import RankFile, Run, discover
from analyzer.errors import InputError
from analyzer.fastparse import FileFrames
from analyzer.jsonl_frames import write_frames_jsonl
from analyzer.reader import LineCursor, read_new_lines
from analyzer.store import RunData
from parsers import FileParser, ParseStats, Record

#: Below this many bytes in all, parsing in-process beats starting workers.
PARALLEL_MIN_BYTES = 32 << 20


@dataclass
class FileResult:
    """What parsing one file produced."""

    records: list[Record]
    stats: ParseStats
    partial_tail: bool
    note: str | None = None


def looks_binary(path: Path) -> bool:
    """A NUL byte in the first 8 KiB: not a text log."""
    with open(path, "rb") as fh:
        return b"\0" in fh.read(8192)


def parse_file(path: Path, run: str, rank: int | None) -> FileResult:
    """Parse one whole file; a partial last line is held back (counted, not parsed)."""
    fp = FileParser(source=str(path), run=run, rank=rank)
    try:
        if looks_binary(path):
            return FileResult([], fp.stats, False, f"{path}: binary file, skipped")
        fd = os.open(path, os.O_RDONLY)
    except OSError as exc:
        return FileResult([], fp.stats, False, f"{path}: {exc.strerror}, skipped")
    cursor = LineCursor()
    records: list[Record] = []
    try:
        for batch in read_new_lines(fd, cursor):
            start = cursor.lineno - len(batch) + 1
            for i, text in enumerate(batch, start):
                records.extend(fp.feed(text, i))
    finally:
        os.close(fd)
    records.extend(fp.flush())
    fp.stats.decode_errors += cursor.decode_errors
    return FileResult(records, fp.stats, bool(cursor.partial))


@dataclass(frozen=True)
class Spill:
    """Where workers write what they parsed instead of sending it back: a directory, and
    ``parquet`` (one part per kind) or ``jsonl`` (the file's records as JSON lines, in order)."""

    dir: Path
    format: str = "parquet"


#: (path, run, rank, use_cache, kinds, spill or None, job index)
Job = tuple[str, str, int | None, bool, frozenset[str] | None, Spill | None, int]


def _parse_job(args: Job) -> FileFrames:
    """One file to frames, through the parse cache when asked (frames pickle cheaply between
    processes; dicts do not). Frames of kinds not asked for are dropped here, in the worker;
    with a spill they are written to disk and only their paths travel back."""
    path, run, rank, use_cache, kinds, spill, index = args
    try:
        if looks_binary(Path(path)):
            got = FileFrames({}, ParseStats(), False, [f"{path}: binary file, skipped"])
        else:
            got = load_file(path, run, rank, use_cache=use_cache, kinds=kinds)
    except OSError as exc:
        got = FileFrames({}, ParseStats(), False, [f"{path}: {exc.strerror}, skipped"])
    if spill is not None:
        _spill(got, spill, index)
    return got


def _spill(got: FileFrames, spill: Spill, index: int) -> None:
    """Move the frames to disk: Parquet parts (lz4: written fast, read back once, deleted), or
    one JSON-lines part per file (always written, so parts and files pair up)."""
    if spill.format == "jsonl":
        part = spill.dir / f"{index:06d}.jsonl"
        write_frames_jsonl(got.frames, part)
        got.spilled["jsonl"] = str(part)
    else:
        for kind, frame in got.frames.items():
            if frame.height:
                part = spill.dir / f"{index:06d}-{kind}.parquet"
                frame.write_parquet(part, compression="lz4", statistics=False)
                got.spilled[kind] = str(part)
    got.frames = {}


def _jobs_for(
    runs: Sequence[Run], use_cache: bool, kinds: frozenset[str] | None, spill: Spill | None
) -> list[Job]:
    files = [(run.name, f) for run in runs for f in run.files]
    return [
        (str(f.path), name, f.rank, use_cache, kinds, spill, i) for i, (name, f) in enumerate(files)
    ]


def _largest_first(jobs: list[Job]) -> list[int]:
    """Job indices by file size, largest first (unreadable files count as empty)."""

    def size(i: int) -> int:
        try:
            return os.path.getsize(jobs[i][0])
        except OSError:
            return 0

    return sorted(range(len(jobs)), key=size, reverse=True)


def _to_parse(files: list[RankFile], use_cache: bool) -> int:
    """Bytes left to parse: all of them, less what the parse cache covers (reading a cached
    run back is faster in this process than starting workers)."""
    total = _total_bytes(files)
    if use_cache:
        total -= sum(cached_offset(str(f.path)) for f in files)
    return total


#: Threads a process has once polars is imported, before any query ran: jemalloc's background
#: threads (its fork handlers make malloc safe across a fork) and an idle clean-up thread.
_IDLE_THREADS = frozenset({"jemalloc_bg_thd", "polars-ooc-clea"})


def _fork_safe() -> bool:
    """True when no thread but the main one and polars' idle import-time ones exists (Linux:
    /proc/self/task): polars' compute pools (``polars-N``, ``tokio-rt-worker``) never ran."""
    try:
        tasks = os.listdir("/proc/self/task")
        names = []
        for task in tasks:
            with open(f"/proc/self/task/{task}/comm") as fh:
                names.append(fh.read().strip())
    except OSError:
        return False
    return sum(1 for n in names if n not in _IDLE_THREADS) == 1


def _mp_context() -> multiprocessing.context.BaseContext:
    """Workers fork from this process while polars has run no query in it (``analyzer parse``:
    nothing imported again, about 0.2 s saved). Otherwise they fork from a clean server process: a child
    forked after polars' thread pool ran here (an earlier load in the same process, the TUI)
    can hang on a lock some pool thread held at the fork."""
    if _fork_safe():
        return multiprocessing.get_context("fork")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["analyzer.load"])
    return ctx


def _total_bytes(files: list[RankFile]) -> int:
    total = 0
    for f in files:
        with contextlib.suppress(OSError):
            total += f.path.stat().st_size
    return total


def load_runs(
    runs: Sequence[Run],
    *,
    workers: int | None = None,
    use_cache: bool = True,
    kinds: Iterable[str] | None = None,
    spill: Spill | None = None,
) -> list[RunData]:
    """Parse every rank file of every run into a RunData (parallel when it pays).

    ``use_cache``: reuse and update the parse cache (:mod:`analyzer.cache_load`), so reopening
    parses only bytes appended since. ``kinds``: only these kinds' frames are kept (the others
    are dropped in the workers: less memory for ``parse --kind steps``). ``spill``: the frames
    are written to disk instead of being held (Parquet parts, which ``RunData.scan`` reads
    lazily; or JSON lines, ``RunData.spilled["jsonl"]``: one part per file, in file order), so
    writing gigabytes of records out never holds them all in memory."""
    if use_cache:
        maybe_prune(cache_root())
    kind_set = None if kinds is None else frozenset(kinds)
    jobs = _jobs_for(runs, use_cache, kind_set, spill)
    all_files = [f for r in runs for f in r.files]
    n = workers if workers is not None else (os.cpu_count() or 1)
    if n > 1 and len(jobs) > 1 and _to_parse(all_files, use_cache) >= PARALLEL_MIN_BYTES:
        order = _largest_first(jobs)  # the biggest files start first: workers finish together
        with ProcessPoolExecutor(max_workers=n, mp_context=_mp_context()) as pool:
            done = pool.map(_parse_job, [jobs[i] for i in order], chunksize=1)
            by_index = dict(zip(order, done, strict=True))
        results = [by_index[i] for i in range(len(jobs))]
    else:
        results = [_parse_job(j) for j in jobs]
    by_run = {run.name: RunData(run) for run in runs}
    for (path, run_name, *_rest), res in zip(jobs, results, strict=True):
        data = by_run[run_name]
        for kind, frame in res.frames.items():
            data.append_frame(kind, frame)
        for kind, part in res.spilled.items():
            data.spilled.setdefault(kind, []).append(part)
        data.stats.add(res.stats)
        data.notes.extend(res.notes)
        if res.partial_tail:
            data.notes.append(f"{path}: last line has no newline yet, held back")
    return list(by_run.values())


def load_paths(
    paths: Sequence[str | Path],
    *,
    workers: int | None = None,
    use_cache: bool = True,
    kinds: Iterable[str] | None = None,
    spill: Spill | None = None,
) -> list[RunData]:
    """Discover and parse (see :func:`load_runs`); nothing to parse at all is an InputError."""
    runs = discover(list(paths))
    if not any(r.files for r in runs):
        raise InputError(f"{', '.join(map(str, paths))}: no training logs found")
    return load_runs(
        [r for r in runs if r.files], workers=workers, use_cache=use_cache, kinds=kinds, spill=spill
    )
