"""Generic per-line prefixes added by launchers, stripped before any family parser sees a line.

torchrun's ``--tee``/``--redirects`` writes ``[default0]:`` and PyTorch's elastic agent
``[rank3]:``; both name the rank that printed the line. Family-specific prefixes (MindSpore's
``[WARNING] ME(...)``, MindSpeed-LLM's ``INFO [ts] >>``) are left to their parsers.
"""

from __future__ import annotations

import re

_RANK_PREFIX = re.compile(r"^\[(?:default|rank)\s?([0-9]+)\]:\s?")


def strip_rank_prefix(text: str) -> tuple[int | None, str]:
    """Split ``[default3]: rest`` / ``[rank3]: rest`` into ``(3, "rest")``; else ``(None, text)``."""
    if not text.startswith("["):
        return None, text
    m = _RANK_PREFIX.match(text)
    if m is None:
        return None, text
    return int(m.group(1)), text[m.end() :]


_RANK_IN_NAME = re.compile(r"(?:worker|rank|device)[_-]?([0-9]+)", re.I)


def rank_from_name(name: str) -> int | None:
    """Rank from a file or directory name (``worker_3.log``, ``rank_3``, ``rank3.log``)."""
    m = _RANK_IN_NAME.search(name)
    return int(m.group(1)) if m else None
