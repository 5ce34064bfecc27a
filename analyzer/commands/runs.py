"""`analyzer runs`: the launched runs under a runs directory, with their status."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from analyzer.errors import InputError
from analyzer.sanitize import clean_text

EXAMPLES = """examples:
  analyzer runs
  analyzer runs --runs-dir /data/sweeps/runs --format json
  analyzer runs --runs-dir analyzer-demo            # every demo's <timestamp>/ runs too
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "runs",
        help="list launched runs with their status",
        description="List launched runs (their run.json), reconciling runs whose process is gone.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--runs-dir", type=Path, default=Path("runs"), help="default: ./runs")
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.set_defaults(func=run)


def _row(path: Path, rec: dict, runs_dir: Path) -> list[str]:
    code = rec.get("exit_code")
    dur = rec.get("duration_s")
    if dur is None and rec.get("status") == "running" and rec.get("started_at"):
        dur = time.time() - float(rec["started_at"])
    return [
        str(path.relative_to(runs_dir)),
        str(rec.get("status", "?")),
        "" if code is None else str(code),
        str(rec.get("pid") or ""),
        str(rec.get("start") or rec.get("created") or ""),
        "" if dur is None else f"{float(dur):.0f}s",
    ]


def run(args: argparse.Namespace) -> int:
    from analyzer.launch.registry import list_runs

    if not args.runs_dir.is_dir():
        raise InputError(
            f"{args.runs_dir}: no such directory (launched runs go to ./runs unless --runs-dir)"
        )
    runs = list_runs(args.runs_dir)
    if args.format == "json":
        for path, rec in runs:
            print(json.dumps({"run_dir": str(path), **rec}))
        return 0
    if not runs:
        print(f"no launched runs in {clean_text(str(args.runs_dir))}")
        return 0
    rows = [["RUN", "STATUS", "EXIT", "PID", "STARTED", "TIME"]]
    rows += [_row(p, r, args.runs_dir) for p, r in runs]
    widths = [max(len(clean_text(r[i])) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(clean_text(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    return 0
