"""`analyzer launch`: start the runs a TOML spec describes (see `analyzer.launch.spec`)."""

from __future__ import annotations

import argparse
import contextlib
import shlex
import sys
import time
from pathlib import Path
from typing import Any

from analyzer.errors import InputError
from analyzer.sanitize import clean_text

EXAMPLES = """examples:
  analyzer launch sweep.toml --list                 # the variants, and those the rules leave out
  analyzer launch sweep.toml                        # every variant, one after another
  analyzer launch sweep.toml --variant tp2pp4 --variant tp4pp2 --runs-dir runs
  analyzer launch sweep.toml --detach               # keeps running after the terminal closes
  analyzer launch sweep.toml --dry-run              # MindSpore simulation: memory only
then: analyzer runs, analyzer tui runs/, analyzer compare runs/, analyzer stop RUN

spec format: see the docstring of analyzer/launch/spec.py and the bundled
analyzer/launch/workloads/sweep.toml.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "launch",
        help="start the runs a spec describes",
        description="Start the runs (variants, matrix combinations) of a TOML launch spec.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("spec", type=Path, metavar="SPEC.toml")
    p.add_argument("--variant", action="append", metavar="NAME", help="only this variant (repeat)")
    p.add_argument("--runs-dir", type=Path, default=Path("runs"), help="default: ./runs")
    p.add_argument(
        "--detach",
        action="store_true",
        help="run in the background, own session: survives the terminal (a foreground sweep is "
        "stopped when its terminal closes)",
    )
    p.add_argument("--parallel", type=int, default=1, metavar="N", help="runs at once (default 1)")
    p.add_argument("--dry-run", action="store_true", help="MindSpore simulation (memory only)")
    p.add_argument("--grace", type=float, default=30.0, help="SIGTERM→SIGKILL delay on stop")
    p.add_argument("--list", action="store_true", help="print the variants and exit")
    p.set_defaults(func=run)


def print_event(kind: str, run_dir: Path, record: dict[str, Any]) -> None:
    """One progress line per start/end on stderr."""
    code = record.get("exit_code")
    tail = f" exit code {code}" if code is not None else f" pid {record.get('pid')}"
    if kind == "ended" and record.get("duration_s") is not None:
        tail += f" after {record['duration_s']:.0f} s"
    print(
        f"{time.strftime('%H:%M:%S')} {kind:<7} {clean_text(run_dir.name)}: "
        f"{record.get('status')}{tail}",
        file=sys.stderr,
        flush=True,
    )


def _list(spec_path: Path) -> int:
    """The variants (name, launcher and world size, command) and the skipped ones with why."""
    from analyzer.launch.command import substitute_args
    from analyzer.launch.spec import load_spec
    from analyzer.launch.sweep import expand, world_size

    spec = load_spec(spec_path)
    variants, skipped = expand(spec)
    for v in variants:
        values = {"python": "python", "workloads": "WORKLOADS", "spec_dir": "SPEC_DIR"}
        values |= {"run_dir": "RUN_DIR", "variant": v.name, **v.params}
        args = substitute_args(spec.command, values, "command")
        world = world_size(spec, v)
        where = spec.launcher + (f" ×{world}" if world else "")
        print(clean_text(f"{v.name}\t{where}\t{shlex.join(args)}"))
    for s in skipped:
        print(clean_text(f"# skipped {s.name}: {s.reason}"))
    return 0


def run(args: argparse.Namespace) -> int:
    from analyzer.launch.session import detach, prepare_sweep, run_foreground
    from analyzer.launch.spec import load_spec

    if args.parallel < 1:
        raise InputError(f"--parallel {args.parallel}: must be at least 1")
    if args.list:
        return _list(args.spec)
    spec = load_spec(args.spec)
    run_dirs, skipped = prepare_sweep(spec, args.runs_dir, args.variant, dry_run=args.dry_run)
    for s in skipped:
        print(f"skipped {s.name}: {s.reason}", file=sys.stderr)
    if args.detach:
        pid = detach(run_dirs, args.runs_dir, parallel=args.parallel, grace=args.grace)
        for d in run_dirs:
            print(d)
        print(
            f"detached: supervisor pid {pid}; see `analyzer runs --runs-dir {args.runs_dir}`",
            file=sys.stderr,
        )
        return 0
    records, interrupted = run_foreground(
        run_dirs, parallel=args.parallel, grace=args.grace, on_event=print_event
    )
    with contextlib.suppress(OSError):  # the terminal may be gone (SIGHUP)
        for d in run_dirs:
            print(d, flush=True)
    if interrupted:
        return 130
    return 1 if any(r.get("status") != "finished" for r in records.values()) else 0
