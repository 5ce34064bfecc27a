"""`analyzer parse`: one-shot parse of training logs into records."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import polars as pl

from analyzer.atomic import check_writable
from analyzer.commands.parse_stream import scratch, spill_format, write_streamed
from analyzer.errors import InputError
from analyzer.load import Spill, load_paths
from analyzer.output import (
    frame_file_name,
    frame_table,
)
from analyzer.sanitize import clean_text
from analyzer.store import RunData
from parsers import KINDS, ParseStats

KIND_CHOICES = {
    "steps": "step",
    "memory": "memory",
    "timers": "timer",
    "events": "event",
    "config": "config",
}

EXAMPLES = """examples:
  analyzer parse sample_logs/qwen25_7b_strategies --kind steps --format table
  analyzer parse run_dir/ -o records.jsonl
  analyzer parse run_dir/ --kind all --format parquet -o frames/
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "parse",
        help="one-shot parse of logs into records",
        description="Parse training logs (files or run directories) into records.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--kind", default="all", choices=[*KIND_CHOICES, "all"])
    p.add_argument("--format", default="jsonl", choices=["jsonl", "csv", "parquet", "table"])
    p.add_argument("-o", "--output", type=Path, help="file (or directory with --kind all)")
    p.add_argument("--force", action="store_true", help="overwrite existing output")
    p.add_argument("-q", "--quiet", action="store_true", help="no summary line on stderr")
    p.add_argument(
        "--no-cache", action="store_true", help="parse everything again, ignore the cache"
    )
    p.set_defaults(func=run)


def combined_frames(datas: list[RunData], kinds: list[str]) -> dict[str, pl.DataFrame]:
    """One frame per kind over all runs."""
    return {k: pl.concat([d.frame(k) for d in datas], how="vertical_relaxed") for k in kinds}


def summary_line(datas: list[RunData], kinds: list[str] | None = None) -> str:
    total = ParseStats()
    files = 0
    for d in datas:
        total.add(d.stats)
        files += len(d.run.files)
    kinds = ", ".join(f"{total.records.get(k, 0)} {k}" for k in (kinds or KINDS))
    parts = [
        f"{len(datas)} runs, {files} files, {total.lines} lines: {kinds}",
        f"{total.unrecognised} lines not recognised",
    ]
    if total.decode_errors:
        parts.append(f"{total.decode_errors} lines with invalid UTF-8 (replaced)")
    if total.oversized:
        parts.append(f"{total.oversized} oversized lines skipped")
    return "; ".join(parts)


def _why_nothing(datas: list[RunData]) -> str:
    """What was there instead: binary files, oversized lines, unrecognised lines."""
    notes = [clean_text(n) or "" for d in datas for n in d.notes]
    total = ParseStats()
    for d in datas:
        total.add(d.stats)
    parts = [n for n in notes if "binary" in n or "skipped" in n][:3]
    if total.oversized:
        parts.append(f"{total.oversized} lines over 1 MiB skipped")
    parts.append(f"{total.lines} lines read, none recognised")
    return "; ".join(parts)


def _check_output_args(args: argparse.Namespace, kinds: list[str]) -> None:
    if args.format == "parquet" and args.output is None:
        raise InputError("--format parquet needs -o FILE (or -o DIR with --kind all)")
    if args.format == "csv" and len(kinds) > 1 and args.output is None:
        raise InputError("--format csv with --kind all needs -o DIR (one file per kind)")
    if args.output is not None and not args.force:  # refused now, not after a long parse
        for path in _output_files(args.output, args.format, kinds):
            check_writable(path, force=False)


def _output_files(out: Path, fmt: str, kinds: list[str]) -> list[Path]:
    """The files a parse will write: ``out`` itself, or one per kind inside the directory."""
    if fmt in ("csv", "parquet") and (len(kinds) > 1 or out.is_dir()):
        return [out / frame_file_name(k, fmt) for k in kinds]
    return [out]


def _write(args: argparse.Namespace, frames: dict[str, pl.DataFrame]) -> None:
    """What is not streamed: terminal tables, and csv to stdout."""
    fmt, out = args.format, args.output
    if fmt == "table":
        text = "\n\n".join(f"{k}:\n{frame_table(f)}" for k, f in frames.items())
        if out is None:
            print(text)
        else:
            from analyzer.atomic import atomic_write_text

            atomic_write_text(out, text + "\n", force=args.force)
    else:  # csv to stdout (csv and Parquet files are streamed; --kind all needs -o DIR)
        next(iter(frames.values())).write_csv(sys.stdout)


def _check_parseable(args: argparse.Namespace, datas: list[RunData]) -> None:
    if not any(d.stats.recognised for d in datas):
        raise InputError(
            f"{', '.join(args.paths)}: nothing parseable found ({_why_nothing(datas)})"
        )


def run(args: argparse.Namespace) -> int:
    kinds = list(KINDS) if args.kind == "all" else [KIND_CHOICES[args.kind]]
    _check_output_args(args, kinds)
    use_cache = not args.no_cache
    fmt = spill_format(args)
    if fmt is not None:
        with scratch(args.output) as where:
            datas = load_paths(
                args.paths, use_cache=use_cache, kinds=kinds, spill=Spill(Path(where), fmt)
            )
            _check_parseable(args, datas)
            write_streamed(args, datas, kinds)
    else:
        datas = load_paths(args.paths, use_cache=use_cache, kinds=kinds)
        _check_parseable(args, datas)
        _write(args, combined_frames(datas, kinds))
    if not args.quiet:
        for d in datas:
            for note in d.notes:
                print(f"analyzer: note: {clean_text(note)}", file=sys.stderr)
        print(f"analyzer: {summary_line(datas, kinds)}", file=sys.stderr)
    return 0
