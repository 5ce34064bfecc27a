"""Streaming `analyzer parse` output: workers spill what they parse, the output is assembled
from the parts, so gigabytes of logs never sit in memory as records.

JSON lines: each worker writes its file's records in order, and the parts are concatenated by
(run, source): the order :func:`analyzer.output.merged_records` gives, without holding the list.
csv and Parquet files: per-kind Parquet parts, streamed to the output by polars' sinks.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import IO

import polars as pl

from analyzer.atomic import atomic_open
from analyzer.output import frame_file_name, sink_frame
from analyzer.store import RunData


def spill_format(args: argparse.Namespace) -> str | None:
    """``jsonl`` or ``parquet`` when the output is streamed from spilled parts, else None."""
    if args.format == "jsonl":
        return "jsonl"
    if args.output is not None and args.format in ("csv", "parquet"):
        return "parquet"
    return None


SCRATCH_PREFIX = ".analyzer-parse-"


def scratch(out: Path | None) -> tempfile.TemporaryDirectory[str]:
    """Scratch space for the parts: beside the output (same disk), else ``$TMPDIR``. Its name
    holds this process's id, so the scratch of a killed parse is removed by the next one."""
    parent = None
    if out is not None and str(out.parent) and out.parent.is_dir():
        parent = out.parent
    where = Path(parent or tempfile.gettempdir())
    _remove_orphans(where)
    return tempfile.TemporaryDirectory(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-", dir=parent)


def _remove_orphans(where: Path) -> None:
    """Scratch directories left by parses that no longer run (killed before cleaning up)."""
    with contextlib.suppress(OSError):
        for item in where.glob(f"{SCRATCH_PREFIX}*-*"):
            pid = item.name[len(SCRATCH_PREFIX) :].split("-", 1)[0]
            if pid.isdigit() and not _alive(int(pid)):
                shutil.rmtree(item, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: alive
        return True
    return True


def write_streamed(args: argparse.Namespace, datas: list[RunData], kinds: list[str]) -> None:
    if args.format == "jsonl":
        if args.output is None:
            _concat_jsonl(datas, sys.stdout)
        else:
            with atomic_open(args.output, force=args.force) as fh:
                _concat_jsonl(datas, fh)
    else:
        _sink(args, datas, kinds)


def _concat_jsonl(datas: list[RunData], fh: IO[str]) -> None:
    """Each file's part, ordered by (run, source) as the records themselves sort."""
    parts: list[tuple[tuple[str, str], str]] = []
    for data in datas:
        files = data.run.files
        got = data.spilled.get("jsonl", [])
        if len(got) != len(files):  # every job writes a part: anything else is a bug
            raise RuntimeError(f"{data.name}: {len(got)} parts for {len(files)} files")
        parts.extend(((data.name, str(f.path)), part) for f, part in zip(files, got, strict=True))
    for _key, part in sorted(parts, key=lambda p: p[0]):
        with open(part, encoding="utf-8") as src:
            shutil.copyfileobj(src, fh, 1 << 20)


def _sink(args: argparse.Namespace, datas: list[RunData], kinds: list[str]) -> None:
    fmt, out = args.format, args.output
    frames = {k: pl.concat([d.scan(k) for d in datas], how="vertical_relaxed") for k in kinds}
    if len(frames) == 1 and not out.is_dir():
        sink_frame(next(iter(frames.values())), out, fmt, force=args.force)
        return
    out.mkdir(parents=True, exist_ok=True)
    for kind, frame in frames.items():
        sink_frame(frame, out / frame_file_name(kind, fmt), fmt, force=args.force)
