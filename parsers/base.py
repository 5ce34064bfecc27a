"""The parser protocol and the small helpers every log family shares.

A parser is a stateful object fed one line at a time (without its newline). It returns
``None`` when the line is not its own, or a (possibly empty) list of records when it claims
the line. A parser in the middle of a multi-line record (a wrapped iteration line, a timer
block, a traceback) says so through ``pending`` and is offered the next line first; if that
line does not continue the record it returns ``None`` and the driver calls ``flush()`` to
collect the completed record, then offers the line to every parser as usual.
Records are plain dicts holding the kind-specific fields plus ``kind`` and ``line``; the
driver (:class:`parsers.FileParser`) adds ``run``, ``rank`` and ``source``.
"""

from __future__ import annotations

import math
import re
from typing import Any, ClassVar, Protocol

Record = dict[str, Any]

_NUMBER = re.compile(r"[-+]?(?:nan|inf(?:inity)?|[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)", re.I)


class LineParser(Protocol):
    """What every log-family parser provides."""

    name: ClassVar[str]
    #: (line, expected fields of the records it yields) pairs: the parser's own examples.
    SAMPLES: ClassVar[list[tuple[str, list[Record]]]]

    @property
    def pending(self) -> bool:
        """True while a multi-line record is open and the next line should come here first."""
        ...

    def feed(self, text: str, lineno: int) -> list[Record] | None:
        """Parse one line; ``None`` means "not mine"."""
        ...

    def flush(self) -> list[Record]:
        """End of input: emit whatever a still-open multi-line record holds."""
        ...


class BaseParser:
    """Convenience base: no multi-line state, nothing to flush."""

    name: ClassVar[str] = "base"
    SAMPLES: ClassVar[list[tuple[str, list[Record]]]] = []

    @property
    def pending(self) -> bool:
        return False

    def feed(self, text: str, lineno: int) -> list[Record] | None:  # pragma: no cover
        raise NotImplementedError

    def flush(self) -> list[Record]:
        return []


def to_float(text: str) -> float | None:
    """Parse a number as logs print it (``1.2E+01``, ``nan``, ``-inf``, ``1,234.5``); None if not one."""
    s = text.strip().rstrip("%").replace(",", "")
    if not s:
        return None
    try:
        return float(s)
    except ValueError:
        m = _NUMBER.match(s)
        if m is None:
            return None
        try:
            return float(m.group(0))
        except ValueError:
            return None


def to_int(text: str) -> int | None:
    """Parse an integer count; a float-looking value is truncated; None if not a finite number."""
    value = to_float(text)
    if value is None or not math.isfinite(value):
        return None
    return int(value)


def first_number(text: str) -> float | None:
    """The first number anywhere in ``text`` (for values followed by units or brackets)."""
    m = _NUMBER.search(text)
    return float(m.group(0)) if m else None
