"""Small pieces the MindSpore-side parsers share (MindSpore, MindFormers, MindSpeed-Core-MS).

Event records, timestamp normalisation and the memory-size units these stacks print.
"""

from __future__ import annotations

import re
from typing import Any

from parsers.base import Record

#: MindSpore's log clock: ``2026-11-22-13:40:17.368.538`` (C++) or ``...17.0.`` (Python logger).
_MS_TS = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})-([0-9]{2}:[0-9]{2}:[0-9]{2})")
#: Python logging's clock: ``2023-08-07 19:12:16,935``.
_PY_TS = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})[ T]([0-9]{2}:[0-9]{2}:[0-9]{2})")

_UNIT_TO_MB: dict[str, float] = {
    "": 1.0,
    "B": 1.0 / (1024 * 1024),
    "K": 1.0 / 1024,
    "KB": 1.0 / 1024,
    "M": 1.0,
    "MB": 1.0,
    "MIB": 1.0,
    "G": 1024.0,
    "GB": 1024.0,
    "GIB": 1024.0,
    "T": 1024.0 * 1024,
    "TB": 1024.0 * 1024,
}


def ms_timestamp(text: str) -> str | None:
    """ISO 8601 to the second from MindSpore's ``YYYY-MM-DD-HH:MM:SS.x.y`` (sub-second dropped:
    the Python logger does not zero-pad it, so ``.0.`` and ``.930.00`` cannot be trusted)."""
    m = _MS_TS.search(text)
    return f"{m.group(1)}T{m.group(2)}" if m else None


def py_timestamp(text: str) -> str | None:
    """ISO 8601 to the second from Python logging's ``YYYY-MM-DD HH:MM:SS,mmm``."""
    m = _PY_TS.match(text)
    return f"{m.group(1)}T{m.group(2)}" if m else None


def to_mb(value: str, unit: str) -> float | None:
    """A size with a unit suffix (M, G, MB, GB, KB, ...) in megabytes; None for unknown units."""
    factor = _UNIT_TO_MB.get(unit.strip().upper())
    if factor is None:
        return None
    try:
        return float(value) * factor
    except ValueError:
        return None


def event(
    type_: str,
    severity: str,
    message: str,
    lineno: int,
    *,
    timestamp: str | None = None,
    extra: dict[str, Any] | None = None,
    rank: int | None = None,
    step: int | None = None,
) -> Record:
    """An ``event`` record; optional fields are left out when unknown."""
    rec: Record = {
        "kind": "event",
        "line": lineno,
        "severity": severity,
        "type": type_,
        "message": message.strip(),
    }
    if timestamp is not None:
        rec["timestamp"] = timestamp
    if extra:
        rec["extra"] = extra
    if rank is not None:
        rec["rank"] = rank
    if step is not None:
        rec["step"] = step
    return rec


def config(key: str, value: str, lineno: int) -> Record:
    """A ``config`` record."""
    return {"kind": "config", "line": lineno, "key": key, "value": value}


def norm_value(value: str) -> str:
    """Config values as printed, booleans normalised to ``true``/``false``."""
    v = value.strip().strip("'\"")
    if v in ("True", "true"):
        return "true"
    if v in ("False", "false"):
        return "false"
    return v
