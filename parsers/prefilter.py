"""The literal prefilter the bulk (fast) path uses to skip lines no parser could claim.

Built from the parsers' own tables, so there is one set of patterns: every parser lists in
``TRIGGERS`` the literals a line must hold for it to look further, and in ``CONTEXT`` the
multi-line shapes whose following lines it may claim without any trigger (a traceback's frames,
the arguments dump, a timer block): ``(literal, lines)`` means "the ``lines`` lines after a line
holding ``literal`` must be seen too". Tests check that the bulk path gives exactly the records
of the line-by-line path on every corpus we have.
"""

from __future__ import annotations

from parsers.driver import MAX_LINE_CHARS
from parsers.registry import PARSER_CLASSES


def trigger_literals() -> list[str]:
    """Every literal any parser needs to see in a line (deduplicated, stable order)."""
    seen: dict[str, None] = {}
    for cls in PARSER_CLASSES:
        for literal in getattr(cls, "TRIGGERS", ()):
            seen.setdefault(literal, None)
    return list(seen)


def context_rules() -> list[tuple[str, int]]:
    """``(literal, lines)`` windows after block openers, the widest window per literal."""
    widest: dict[str, int] = {}
    for cls in PARSER_CLASSES:
        for literal, lines in getattr(cls, "CONTEXT", ()):
            widest[literal] = max(lines, widest.get(literal, 0))
    return sorted(widest.items())


def has_full_triggers() -> bool:
    """True when every parser declares TRIGGERS (else the bulk path must read every line)."""
    return all(getattr(cls, "TRIGGERS", None) for cls in PARSER_CLASSES)


__all__ = ["MAX_LINE_CHARS", "context_rules", "has_full_triggers", "trigger_literals"]
