"""Generic per-line prefixes added by launchers, stripped before any family parser sees a line.

torchrun's ``--tee``/``--redirects`` writes ``[default0]:``, PyTorch's elastic agent
``[rank3]:`` and Slurm's ``srun --label`` `` 3: ``; each names the rank that printed the line.
Family-specific prefixes (MindSpore's ``[WARNING] ME(...)``, MindSpeed-LLM's ``INFO [ts] >>``)
are left to their parsers.
"""

from __future__ import annotations

import re

_RANK_PREFIX = re.compile(r"^\[(?:default|rank)\s?([0-9]+)\]:\s?")
#: Slurm's ``srun --label``: the task id right-aligned to the widest id, a colon and a space.
_SRUN_LABEL = re.compile(r"^ {0,5}([0-9]{1,6}): ")


def strip_rank_prefix(text: str) -> tuple[int | None, str]:
    """Split ``[default3]: rest`` / ``[rank3]: rest`` / `` 3: rest`` (srun --label) into
    ``(3, "rest")``; else ``(None, text)``."""
    first = text[:1]
    if first == "[":
        m = _RANK_PREFIX.match(text)
    elif first == " " or first.isdigit():
        m = _SRUN_LABEL.match(text)
    else:
        return None, text
    if m is None:
        return None, text
    return int(m.group(1)), text[m.end() :]


_RANK_IN_NAME = re.compile(r"(?:worker|rank|device)[_-]?([0-9]+)", re.I)


def rank_from_name(name: str) -> int | None:
    """Rank from a file or directory name (``worker_3.log``, ``rank_3``, ``rank3.log``)."""
    m = _RANK_IN_NAME.search(name)
    return int(m.group(1)) if m else None
