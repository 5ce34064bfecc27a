"""`analyzer tui PATH...`: the live terminal UI over the runs found under the paths."""

from __future__ import annotations

import argparse

from analyzer.commands.check import add_health_options, build_config
from analyzer.errors import InputError

EPILOG = """examples:
  analyzer tui sample_logs                  every run under sample_logs, live
  analyzer tui runs/tp2pp4 runs/tp4pp2      two runs side by side
  analyzer                                  the current directory (same as `analyzer tui .`)
  analyzer tui runs/ --bell                 ring the bell when a new health finding appears
  analyzer tui runs/ --silence slow_rank    health options as in `analyzer check`

keys: 1-5 switch screens, ? lists every key, ctrl+p opens the command palette, q quits.
New health findings pop up as notifications (those already there when it opens: one summary)."""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "tui",
        help="the live terminal UI over runs under the paths",
        description="Watch, chart and compare training runs in the terminal.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "paths",
        nargs="*",
        default=["."],
        metavar="PATH",
        help="run directories, groups of runs or log files (default: .)",
    )
    p.add_argument(
        "--bell", action="store_true", help="ring the terminal bell when a new finding appears"
    )
    add_health_options(p)  # as in `analyzer check`
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from analyzer.tui.source import path_problems

    config = build_config(args)  # bad options fail here, before the screen is taken over
    paths = list(args.paths) or ["."]
    missing = path_problems(paths)
    if missing:
        raise InputError(f"{missing[0]}: no such file or directory")
    from analyzer.tui.app import run_app

    return run_app(paths, health_config=config, bell=args.bell)
