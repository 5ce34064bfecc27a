"""The `analyzer` command: argument parsing and dispatch to one module per verb.

Each verb lives in ``analyzer/commands/<verb>.py`` and exposes ``register(subparsers)``, which
adds its parser and sets ``func(args) -> int``. Verb modules import heavy things (Textual,
MindSpore) inside ``func`` only, so ``analyzer parse`` never pays for the TUI.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
from collections.abc import Sequence

from analyzer import __version__
from analyzer.errors import InputError
from analyzer.limits import raise_open_files

VERBS: tuple[str, ...] = (
    "tui",
    "parse",
    "watch",
    "compare",
    "export",
    "check",
    "profile",
    "launch",
    "runs",
    "stop",
    "demo",
)


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with one line (argparse's default already uses 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"analyzer: error: {message}\n")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line, or only verb ``only`` (each verb module imports what its
    command needs: building all of them cost ``analyzer parse`` a tenth of a second)."""
    parser = _Parser(
        prog="analyzer",
        description="Launch, tail, parse, compare and health-check distributed training runs.",
        epilog="Run `analyzer VERB --help` for each verb; `analyzer` alone opens the TUI on `.`.",
    )
    parser.add_argument("--version", action="version", version=f"analyzer {__version__}")
    sub = parser.add_subparsers(dest="verb", metavar="VERB", parser_class=_Parser)
    for verb in VERBS if only is None else (only,):
        module = importlib.import_module(f"analyzer.commands.{verb.replace('-', '_')}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list:
        args_list = ["tui", "."]
    parser = build_parser(args_list[0] if args_list[0] in VERBS else None)
    args = parser.parse_args(args_list)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    raise_open_files()
    try:
        return int(args.func(args) or 0)
    except InputError as exc:
        print(f"analyzer: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): not an error of ours.
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        return 0
