"""`analyzer launch` (not built yet: see the issue that covers it)."""

from __future__ import annotations

import argparse

from analyzer.errors import InputError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("launch", help="(coming) see CONTRACT.md")
    p.add_argument("rest", nargs="*")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    raise InputError("'launch' is not available yet in this version")
