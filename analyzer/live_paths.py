"""The paths a live session was given: what to observe for each, and how to name its files.

Sessions work on absolute paths (events report them), but records name a file as ``parse``
does, from the path as the user typed it, so ``watch`` and ``parse`` print the same records.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from analyzer.errors import InputError


def watch_dirs(paths: Sequence[Path]) -> list[tuple[Path, bool]]:
    """What to observe for each path: a directory recursively, else its parent directory."""
    out: list[tuple[Path, bool]] = []
    for p in paths:
        if p.is_dir():
            out.append((p, True))
        elif p.parent.is_dir():
            out.append((p.parent if str(p.parent) else Path("."), False))
        else:
            raise InputError(f"{p}: no such file or directory (nor its parent directory)")
    return out


class GivenPaths:
    """The given paths made absolute, and a file's name spelled from the path given."""

    def __init__(self, paths: Sequence[str | Path]) -> None:
        self.absolute = [Path(os.path.abspath(p)) for p in paths]
        #: (absolute, as given), longest first: the innermost given path names a file.
        self._given = sorted(
            ((str(a), Path(p)) for a, p in zip(self.absolute, paths, strict=True)),
            key=lambda ap: -len(ap[0]),
        )

    def as_given(self, path: str) -> str:
        """``path`` (absolute) spelled from the path the user gave."""
        for absolute, given in self._given:
            if path == absolute:
                return str(given)
            root = absolute.rstrip("/") + "/"
            if path.startswith(root):
                return str(given / path[len(root) :])
        return path
