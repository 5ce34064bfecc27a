"""`analyzer compare`: one row per run, the strategy comparison table."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from analyzer.errors import InputError

EXAMPLES = """examples:
  analyzer compare sample_logs/qwen25_7b_strategies --format markdown
  analyzer compare sample_logs/qwen25_7b_dryrun
  analyzer compare runs/ --baseline tp2pp4 --sort=-tflops_median --device ascend-910b3
  analyzer compare runs/ --format html -o report.html --force

Medians leave out warm-up steps (default: the first max(1, 10%) of each run; --warmup N).
Peak memory is the maximum over ranks of Megatron's max_reserved, else MindSpore's peak_actual.
"""
FORMATS = ("table", "markdown", "csv", "json", "html", "latex")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "compare",
        help="strategy comparison table, one row per run",
        description="Compare runs: step time, TFLOP/s, tokens/s, MFU, bubble, memory, loss, status.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--format", default="table", choices=FORMATS)
    p.add_argument("-o", "--output", type=Path, help="write to FILE (atomically)")
    p.add_argument("--force", action="store_true", help="overwrite an existing output file")
    p.add_argument(
        "--no-cache", action="store_true", help="parse everything again, ignore the cache"
    )
    p.add_argument("--baseline", metavar="RUN", help="add *_delta_pct columns relative to RUN")
    p.add_argument("--sort", metavar="COL", help="rank by a column; --sort=-COL for descending")
    p.add_argument("--warmup", type=int, metavar="N", help="steps left out of medians per run")
    peak = p.add_mutually_exclusive_group()
    peak.add_argument("--device-peak-tflops", type=float, metavar="X", help="device peak for MFU")
    peak.add_argument(
        "--device", metavar="NAME", help="device preset for MFU (e.g. ascend-910b3, a100, h100)"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from analyzer.atomic import atomic_write_text, check_writable
    from analyzer.devices import device_peak
    from analyzer.formats import render
    from analyzer.load import load_paths
    from analyzer.summary import COMPARE_KINDS, check_parseable, check_warmup, compare_table

    if args.output is not None:
        check_writable(args.output, force=args.force)
    check_warmup(args.warmup)
    peak = device_peak(args.device) if args.device else args.device_peak_tflops
    if peak is not None and not (math.isfinite(peak) and peak > 0):
        raise InputError(f"--device-peak-tflops must be a positive number, not {peak}")
    datas = load_paths(args.paths, use_cache=not args.no_cache, kinds=COMPARE_KINDS)
    check_parseable(datas, args.paths)
    comparison = compare_table(
        datas, warmup=args.warmup, baseline=args.baseline, device_peak_tflops=peak, sort=args.sort
    )
    text = render(comparison, args.format)
    if args.output is None:
        sys.stdout.write(text)
    else:
        atomic_write_text(args.output, text, force=args.force)
        print(f"analyzer: wrote {args.output}", file=sys.stderr)
    if args.format in ("csv", "json") or args.output is not None:
        for note in comparison.notes:
            print(f"analyzer: {note}", file=sys.stderr)
    return 0
