"""`analyzer profile`: where the step time goes, from Ascend profiler output."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

#: Operators the table shows without --top.
TABLE_TOP = 15

EXAMPLES = """examples:
  analyzer profile logs/prof/                       # a run's profiler output (all ranks)
  analyzer profile cluster_analysis_output/         # msprof-analyze's cluster results
  analyzer profile run_dir/ --format json -o profile.json
  analyzer profile rank_0_ascend_pt/ASCEND_PROFILER_OUTPUT/kernel_details.csv

reads: step_trace_time.csv, kernel_details.csv, op_statistic.csv, communication.json,
communication_matrix.json, memory_record.csv, operator_memory.csv, trace_view.json (streamed),
profiler_info_N.json, profiler_metadata.json, and msprof-analyze's cluster_step_trace_time.csv,
cluster_communication.json, cluster_communication_matrix.json. Other files are skipped.

Each profiled run (a run directory, else the directory holding the *_ascend_pt / *_ascend_ms
directories) is summarised on its own: the table has a section per run, JSON and CSV rows a
"run" field. --format csv writes the per-rank breakdown (without step data: the top
operators, else the operator types, else the header; a note on stderr says which).
--top N limits the operators (and operator types) of every format; without it the table
shows 15 and JSON/CSV keep 50 per run.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "profile",
        help="profiler output: per-rank time breakdown, slow ranks, top operators",
        description="Summarise Ascend profiler output (torch_npu / MindSpore / msprof-analyze).",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--format", default="table", choices=["table", "json", "csv"])
    p.add_argument("-o", "--output", type=Path, help="write to FILE instead of stdout")
    p.add_argument("--force", action="store_true", help="overwrite an existing output file")
    p.add_argument(
        "--top",
        type=int,
        default=None,
        metavar="N",
        help="operators (and types) per run: table default 15, JSON/CSV default 50",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from analyzer.atomic import atomic_write_text, check_writable
    from analyzer.profile import profile_paths
    from analyzer.profile_ops import TOP_DEFAULT
    from analyzer.profile_render import render_csv, render_json, render_table

    if args.output is not None:
        check_writable(args.output, force=args.force)
    top = TOP_DEFAULT if args.top is None else max(1, args.top)
    report = profile_paths(args.paths, top=top)
    if args.format == "json":
        text = render_json(report, top)
    elif args.format == "csv":
        text, note = render_csv(report, top)
        if note:
            print(f"analyzer: note: {note}", file=sys.stderr)
    else:
        text = render_table(report, limit=TABLE_TOP if args.top is None else top)
    if args.output is None:
        sys.stdout.write(text)
    else:
        atomic_write_text(args.output, text, force=args.force)
    return 0
