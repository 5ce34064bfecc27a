"""MindSpore's memory summary (printed at the end of a real or dry run; seed 004)::

    Device MOC memory size: 65536M
    MindSpore Used memory size: 59392M
    MindSpore memory base address: 0xffffe9dc1407
    Used peak memory usage (without fragments): 55405M
    Actual peak memory usage (with fragments): 57400M

also behind a MindSpore log prefix, indented, or as ``grep -rn`` prints it
(``rank_0/mindformer.log:13340: Used peak ...``: the rank comes from the ``rank_N/`` path).
"""

from __future__ import annotations

import re

from parsers.base import Record
from parsers.mindspore_common import to_mb

_METRICS: tuple[tuple[str, str], ...] = (
    ("MindSpore Used memory size", "framework_used"),
    ("Used peak memory usage (without fragments)", "peak_used"),
    ("Actual peak memory usage (with fragments)", "peak_actual"),
)
_DEVICE = re.compile(r"Device(?: [A-Za-z0-9]{1,16})? memory size")
_VALUE = re.compile(r"\s*:\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]{0,3})")
_GREP_RANK = re.compile(r"rank_?([0-9]+)/")


def memory_record(text: str, lineno: int, timestamp: str | None = None) -> list[Record] | None:
    """The memory record a summary line holds, or None when it is no summary line."""
    if "memory" not in text:
        return None
    for marker, metric in _METRICS:
        at = text.find(marker)
        if at >= 0:
            return _record(text, at, at + len(marker), metric, lineno, timestamp)
    if "memory size" in text:
        m = _DEVICE.search(text)
        if m is not None:
            return _record(text, m.start(), m.end(), "device_total", lineno, timestamp)
    return None


def _record(
    text: str, start: int, end: int, metric: str, lineno: int, timestamp: str | None
) -> list[Record] | None:
    v = _VALUE.match(text, end)
    if v is None:
        return None
    mb = to_mb(v.group(1), v.group(2) or "M")
    if mb is None:
        return None
    rec: Record = {"kind": "memory", "line": lineno, "metric": metric, "mb": mb}
    if timestamp is not None:
        rec["timestamp"] = timestamp
    g = _GREP_RANK.search(text, 0, start)
    if g is not None:
        rec["rank"] = int(g.group(1))
    return [rec]
