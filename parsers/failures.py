"""Family-independent failures: Python tracebacks, collective timeouts, CANN error codes, out of
memory, torchrun worker exits (and its ChildFailedError summary), segfaults.

Multi-line shapes keep the parser ``pending``:

- a traceback (``Traceback (most recent call last):`` then indented frames) ends at the first
  non-indented line, the exception line, which becomes the ONE event's message (type ``oom``
  when it names an out-of-memory error, else ``traceback``); the record's ``line`` is the
  ``Traceback`` line. A chained traceback ("During handling of the above exception ...") gives
  one event per block, the later ones naming the earlier exception in ``extra.chained_from``: each
  event is emitted as soon as its exception line arrives, so a live tail sees a crash at once.
  A traceback cut off by the end of the file is emitted by ``flush`` with ``extra.truncated``.
- torchrun's ``ChildFailedError`` summary: each ``[N]:`` entry's ``rank`` and ``exitcode`` lines
  give one ``worker_exit`` event with the global rank.
- after a segfault marker, the native/Python stack dump lines that follow are claimed silently.
- an exception line on its own at the start of a line (``RuntimeError: boom``, no traceback before
  it) is a ``traceback`` event with ``extra.bare``.

Lines of text shown before ``Traceback`` on the same line (``stderr: ``, ``(train pid=1) ``) are
treated as a prefix and stripped from the frames that follow.
"""

from __future__ import annotations

import re
from typing import ClassVar

from parsers.base import BaseParser, Record
from parsers.failures_lines import (
    CANN_TRIGGERS,
    OOM_MARKERS,
    SEGFAULT_MARKERS,
    SLURM_TRIGGERS,
    bare_exception,
    exit_extra,
    failure_event,
    is_oom,
    timestamp_in,
)
from parsers.failures_samples import FAILURE_SAMPLES
from parsers.mindspore_common import event

_TB_HEAD = "Traceback (most recent call last):"
_CHAIN = (
    "During handling of the above exception",
    "The above exception was the direct cause",
)
_SUMMARY_ENTRY = re.compile(r"^\s*\[([0-9]+)\]:\s*$")
_SUMMARY_FIELD = re.compile(r"^\s*(time|host|rank|exitcode|error_file|traceback)\s*:\s*(.*)$")
_RANK_FIELD = re.compile(r"^(-?[0-9]+)(?: \(local_rank: ([0-9]+)\))?")
_EXIT_FIELD = re.compile(r"^(-?[0-9]+)(?: \(pid: ([0-9]+)\))?")
#: MindSpore appends a report to its exceptions: "----", "- C++ Call Stack: (...)", "file.cc:554 Func".
_MS_REPORT = re.compile(
    r"^(?:-{8,}|- [A-Za-z+ ]{1,60}:.{0,200}|[^\s:]{1,300}\.(?:cc|cpp|h):[0-9]+ [^\s]{1,200})\s*$"
)
_STACK_LINE = re.compile(r"^(?:\s+File \"|Current thread|Thread 0x|Extension modules:|\s*$)")


class FailureParser(BaseParser):
    """Failure lines of any family (see the module docstring)."""

    name: ClassVar[str] = "failures"
    TRIGGERS: ClassVar[tuple[str, ...]] = (
        _TB_HEAD,
        "Watchdog caught collective operation timeout",
        "exitcode",
        "ChildFailedError",
        "Root Cause",
        "Failures:",
        "HCCL",
        *OOM_MARKERS,
        *SEGFAULT_MARKERS,
        *CANN_TRIGGERS,
        *SLURM_TRIGGERS,
        "Error: ",  # a bare exception line (failures_lines.bare_exception)
        "Exception: ",
    )
    SAMPLES: ClassVar[list[tuple[str, list[Record]]]] = FAILURE_SAMPLES
    #: Block openers whose following lines are claimed without a trigger (see parsers.prefilter).
    CONTEXT: ClassVar[tuple[tuple[str, int], ...]] = (
        (_TB_HEAD, 1000),
        ("Root Cause (first observed failure):", 200),
        ("Failures:", 200),
        *((marker, 200) for marker in SEGFAULT_MARKERS),
    )

    def __init__(self) -> None:
        self._tb: dict | None = None  # open traceback: start line, prefix, last frame
        self._after_exc: str | None = None  # exception line just seen (a chain may follow)
        self._summary: dict | None = None  # open ChildFailedError block: current entry
        self._in_stack = False
        self._chain: list[str] = []
        self._chain_prefix = ""
        self._connector = False

    @property
    def pending(self) -> bool:
        return (
            self._tb is not None
            or self._after_exc is not None
            or self._summary is not None
            or self._in_stack
        )

    def feed(self, text: str, lineno: int) -> list[Record] | None:
        if self._tb is not None:
            return self._tb_line(text, lineno)
        if self._after_exc is not None:
            got = self._chain_line(text, lineno)
            if got is not None:
                return got
        if self._summary is not None:
            got = self._summary_line(text, lineno)
            if got is not None:
                return got
        if self._in_stack:
            if _STACK_LINE.match(text):
                return []
            self._in_stack = False
        return self._fresh(text, lineno)

    def flush(self) -> list[Record]:
        out: list[Record] = []
        if self._tb is not None:
            tb = self._tb
            extra: dict[str, object] = {"truncated": True}
            if tb["chained_from"]:
                extra["chained_from"] = tb["chained_from"]
            msg = tb["last"] or _TB_HEAD
            out.append(event("traceback", "error", msg, tb["line"], extra=extra))
        self._tb = None
        self._after_exc = None
        self._summary = None
        self._in_stack = False
        return out

    # -- fresh lines ---------------------------------------------------------------------
    def _fresh(self, text: str, lineno: int) -> list[Record] | None:
        at = text.find(_TB_HEAD)
        if at >= 0:
            self._open_tb(text[:at], lineno, None)
            return []
        if text.strip() in ("Root Cause (first observed failure):", "Failures:"):
            self._summary = {"rank": None, "time": None}
            return []
        got = failure_event(text, lineno) or bare_exception(text, lineno)
        if got is None:
            return None
        if got["type"] == "segfault":
            self._in_stack = True
        return [got]

    def _open_tb(self, prefix: str, lineno: int, chained_from: list[str] | None) -> None:
        self._tb = {
            "line": lineno,
            "prefix": prefix,
            "last": None,
            "chained_from": chained_from,
            "timestamp": timestamp_in(prefix) if prefix else None,
        }
        self._after_exc = None

    # -- inside a traceback --------------------------------------------------------------
    def _tb_line(self, text: str, lineno: int) -> list[Record]:
        tb = self._tb
        assert tb is not None
        prefix = tb["prefix"]
        body = text[len(prefix) :] if prefix and text.startswith(prefix) else text
        if body[:1] in (" ", "\t") or not body.strip():
            if body.strip():
                tb["last"] = body.strip()
            return []
        return [self._close_tb(body.strip())]

    def _close_tb(self, exc_line: str) -> Record:
        tb = self._tb
        assert tb is not None
        self._tb = None
        extra: dict[str, object] = {}
        if tb["chained_from"]:
            extra["chained_from"] = tb["chained_from"]
        if is_oom(exc_line):
            rec = event("oom", "fatal", exc_line, tb["line"], extra=extra)
        else:
            code = failure_event(exc_line, tb["line"])
            if code is not None and "code" in code.get("extra", {}):
                extra["code"] = code["extra"]["code"]
            rec = event("traceback", "error", exc_line, tb["line"], extra=extra)
        ts = timestamp_in(exc_line) or tb["timestamp"]
        if ts:
            rec["timestamp"] = ts
        self._after_exc = exc_line
        self._connector = False
        if "ChildFailedError" in exc_line:
            self._summary = {"rank": None, "time": None}
        self._chain = [*(tb["chained_from"] or []), exc_line]
        self._chain_prefix = tb["prefix"]
        return rec

    def _chain_line(self, text: str, lineno: int) -> list[Record] | None:
        """After an exception line: a blank line or a chain connector keeps the chain open."""
        prefix = self._chain_prefix
        body = text[len(prefix) :] if prefix and text.startswith(prefix) else text
        if any(body.startswith(c) for c in _CHAIN):
            self._connector = True
            return []
        if not body.strip() or _MS_REPORT.match(body):
            return []
        if body.startswith(_TB_HEAD):
            self._open_tb(prefix, lineno, self._chain if self._connector else None)
            return []
        self._after_exc = None
        return None

    # -- torchrun ChildFailedError summary -----------------------------------------------
    def _summary_line(self, text: str, lineno: int) -> list[Record] | None:
        s = self._summary
        assert s is not None
        if _SUMMARY_ENTRY.match(text):
            s["rank"] = s["time"] = None
            s["entries"] = s.get("entries", 0) + 1
            return []
        m = _SUMMARY_FIELD.match(text)
        if m is None:
            stripped = text.strip()
            if stripped.startswith(("---", "===", "<NO_OTHER_FAILURES>", "Root Cause")):
                if stripped.startswith("===") and s.get("entries"):
                    self._summary = None
                return []
            if stripped.endswith(" FAILED") and not s.get("entries"):
                return []
            if stripped in ("Failures:",):
                return []
            self._summary = None
            return None
        key, value = m.group(1), m.group(2).strip()
        if key == "rank":
            r = _RANK_FIELD.match(value)
            s["rank"] = int(r.group(1)) if r else None
            s["local_rank"] = int(r.group(2)) if r and r.group(2) else None
        elif key == "time":
            s["time"] = timestamp_in(value)
        elif key == "exitcode":
            return self._summary_exit(value, text, lineno)
        return []

    def _summary_exit(self, value: str, text: str, lineno: int) -> list[Record]:
        s = self._summary
        assert s is not None
        m = _EXIT_FIELD.match(value)
        if m is None:
            return []
        extra = exit_extra(int(m.group(1)))
        if m.group(2):
            extra["pid"] = int(m.group(2))
        if s.get("local_rank") is not None:
            extra["local_rank"] = s["local_rank"]
        return [
            event(
                "worker_exit",
                "error",
                text,
                lineno,
                extra=extra,
                rank=s.get("rank"),
                timestamp=s.get("time"),
            )
        ]
