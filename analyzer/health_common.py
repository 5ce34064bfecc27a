"""What every health rule shares: the Finding, timestamps, file times and run status."""

from __future__ import annotations

import json
import math
import os
import re
import socket
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from analyzer.run_status import read_run_json
from analyzer.store import RunData

#: Severities in increasing order of urgency.
SEVERITY_ORDER = {"info": 0, "warning": 1, "error": 2, "fatal": 3}


@dataclass(frozen=True)
class Finding:
    """One problem found in one run: where (run, rank, step, file:line) and what."""

    rule: str
    severity: str
    run: str
    rank: int | None
    step: int | None
    message: str
    evidence: str | None
    #: What the finding is about when its rank or step may move as the run grows (a leak's
    #: onset, the ranks that timed out after a root cause); not shown, not compared.
    topic: str | None = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The contract's fields (``topic`` is internal)."""
        out = asdict(self)
        del out["topic"]
        return out

    @property
    def key(self) -> tuple[Any, ...]:
        """Identity across re-checks of a growing run, for "new finding" alerts (``watch
        --alerts``, the TUI): (rule, run, rank, step), or (rule, run, topic) when the finding
        has a topic, so that a moving onset or a growing list of ranks is not a new finding."""
        if self.topic is not None:
            return (self.rule, self.run, self.topic)
        return (self.rule, self.run, self.rank, self.step)


def evidence(source: str | None, line: int | None) -> str | None:
    """``file:line`` of a record (None when the record has no source)."""
    if not source:
        return None
    return f"{source}:{line}" if line is not None else source


_LOOSE_TS = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[-T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,6}))?(?:[.,]\d+)?$"
)


@lru_cache(maxsize=65536)
def parse_timestamp(text: str | None) -> float | None:
    """Seconds since the epoch from an ISO 8601 timestamp (naive ones are local time)."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        pass
    m = _LOOSE_TS.match(text.strip())
    if not m:
        return None
    y, mo, d, h, mi, s, frac = m.groups()
    micro = int((frac or "0").ljust(6, "0"))
    try:
        return datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), micro).timestamp()
    except ValueError:
        return None


def file_mtime(path: str | None) -> float | None:
    if not path:
        return None
    try:
        return os.stat(path).st_mtime
    except OSError:
        return None


_ANY_TS = re.compile(rb"\d{4}-\d{2}-\d{2}[-T ]\d{2}:\d{2}:\d{2}")
TAIL_BYTES = 16384


@lru_cache(maxsize=4096)
def _tail_stamp(path: str, size: int, mtime_ns: int) -> str | None:
    """The last date-and-time printed in the file's last ``TAIL_BYTES`` (keyed by size, mtime)."""
    try:
        with open(path, "rb") as fh:
            fh.seek(max(0, size - TAIL_BYTES))
            tail = fh.read(TAIL_BYTES)
    except OSError:
        return None
    found = _ANY_TS.findall(tail)
    return found[-1].decode("ascii") if found else None


def last_printed_time(path: str | None) -> str | None:
    """The last timestamp printed near the end of a log, on any line (parsed or not)."""
    if not path:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    return _tail_stamp(path, st.st_size, st.st_mtime_ns)


def is_finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def extra_dict(text: str | None) -> dict[str, Any]:
    """The ``extra`` JSON column of a row as a dict ({} when absent or unreadable)."""
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


#: ``run.json`` statuses of a run that is over (``analyzer.launch.registry``: lost = gone).
FINISHED_STATUSES = {"finished", "failed", "stopped", "lost"}


def is_finished(data: RunData) -> bool:
    """The run ended on its own terms: a training_done event or a final run.json status."""
    events = data.events
    if events.height and (events["type"] == "training_done").any():
        return True
    return str(read_run_json(data).get("status", "")).lower() in FINISHED_STATUSES


def process_alive(data: RunData) -> bool | None:
    """Whether the launcher's run.json says the run's process is alive (None: unknown)."""
    doc = read_run_json(data)
    status = str(doc.get("status", "")).lower()
    if status in FINISHED_STATUSES:
        return False
    if status != "running":
        return None
    pid = doc.get("pid")
    if not isinstance(pid, int) or pid <= 0 or doc.get("host") not in (None, socket.gethostname()):
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
