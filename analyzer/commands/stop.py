"""`analyzer stop`: stop a launched run: SIGTERM to its whole process group, SIGKILL after a grace."""

from __future__ import annotations

import argparse
from pathlib import Path

from analyzer.sanitize import clean_text

EXAMPLES = """examples:
  analyzer stop runs/dp2-20260101-120000
  analyzer stop dp2 --runs-dir runs --grace 5     # the newest run of variant dp2
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "stop",
        help="stop a launched run (its whole process group)",
        description="Stop a launched run: msrun, its scheduler and every worker.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("run", metavar="RUN", help="run directory, its name, or a variant name")
    p.add_argument("--runs-dir", type=Path, default=Path("runs"), help="default: ./runs")
    p.add_argument("--grace", type=float, default=30.0, help="seconds before SIGKILL (default 30)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from analyzer.launch.registry import ACTIVE, find_run, reconcile
    from analyzer.launch.runner import stop_run

    run_dir = find_run(args.run, args.runs_dir)
    status = reconcile(run_dir).get("status")
    if status not in ACTIVE:
        print(f"{clean_text(run_dir.name)}: already {status}")
        return 0
    record = stop_run(run_dir, grace=args.grace)
    print(f"{clean_text(run_dir.name)}: {record.get('status')} ({record.get('stop_how')})")
    return 0
