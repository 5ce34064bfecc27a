"""Errors the CLI turns into one line on stderr and an exit code, never a traceback."""

from __future__ import annotations


class InputError(Exception):
    """Bad usage or input (missing path, nothing parseable, bad spec): exit code 2."""

    exit_code = 2
