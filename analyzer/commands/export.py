"""`analyzer export`: every frame of every run as Parquet, plus summary and manifest."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXAMPLES = """examples:
  analyzer export sample_logs/qwen25_7b_strategies -o frames/
  analyzer export runs/ -o frames/ --force
  duckdb -c "select run, median(tflops) from 'frames/steps.parquet' group by run"

Writes steps, memory, timers, events, config and summary .parquet files and manifest.json.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export",
        help="every frame of every run as Parquet files",
        description="Export parsed frames (all runs) as Parquet, with the comparison and a manifest.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument(
        "-o", "--output", type=Path, required=True, metavar="DIR", help="export directory"
    )
    p.add_argument("--force", action="store_true", help="replace an existing export")
    p.add_argument(
        "--no-cache", action="store_true", help="parse everything again, ignore the cache"
    )
    p.add_argument("--warmup", type=int, metavar="N", help="warm-up steps for the summary")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from analyzer.commands.parse_stream import scratch
    from analyzer.export import check_target, export_runs
    from analyzer.load import Spill, load_paths
    from analyzer.summary import check_parseable, check_warmup, compare_table

    check_target(args.output, args.force)
    check_warmup(args.warmup)
    with scratch(args.output) as where:  # frames go to disk; only the compared kinds come back
        datas = load_paths(args.paths, use_cache=not args.no_cache, spill=Spill(Path(where)))
        check_parseable(datas, args.paths)
        comparison = compare_table(datas, warmup=args.warmup)
        out = export_runs(datas, args.output, force=args.force, comparison=comparison)
    print(f"analyzer: exported {len(datas)} runs to {out}", file=sys.stderr)
    for note in comparison.notes:
        print(f"analyzer: {note}", file=sys.stderr)
    return 0
