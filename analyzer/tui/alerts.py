"""What the TUI says when health findings appear: one notice per snapshot, never a flood.

Findings are identified by ``Finding.key`` (the identity ``watch --alerts`` uses). The
findings already in the logs when the TUI opens are summarised once ("3 findings in 2 runs")
as soon as the files present at start are read; after that each snapshot with new findings
gives one notice: the finding itself, or "N new findings" for a burst. Only new findings ring
the bell (when asked for): the summary is what you see as you open the TUI. Headless: the app
turns a :class:`Notice` into ``notify()`` and ``bell()``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from analyzer.health_format import brief_line

#: Finding severity -> Textual notification severity.
NOTIFY_SEVERITY = {"fatal": "error", "error": "error", "warning": "warning"}
_ORDER = {"information": 0, "warning": 1, "error": 2}
#: Findings listed by name in a burst's notice.
SHOWN = 3


@dataclass(frozen=True)
class Notice:
    """One notification: its text (safe for a terminal), severity, and whether to ring."""

    title: str
    message: str
    severity: str
    bell: bool


def _severity(findings: Sequence[Any]) -> str:
    levels = [NOTIFY_SEVERITY.get(getattr(f, "severity", ""), "information") for f in findings]
    return max(levels, key=_ORDER.__getitem__, default="information")


def _listing(findings: Sequence[Any]) -> str:
    lines = [brief_line(f) for f in findings[:SHOWN]]
    if len(findings) > SHOWN:
        lines.append(f"... and {len(findings) - SHOWN} more (Events: 5)")
    return "\n".join(lines)


class FindingAlerts:
    """Feed it each snapshot's findings; it returns the notice to show, if any."""

    def __init__(self) -> None:
        self._seen: set[tuple[Any, ...]] | None = None  # None until the first paint

    def update(self, findings: Sequence[Any], *, complete: bool, caught_up: bool) -> Notice | None:
        """``complete``: the health checks ran for this snapshot; ``caught_up``: they covered
        every line the files held when the TUI opened (before that nothing is "new")."""
        if not complete or (self._seen is None and not caught_up):
            return None
        current = {f.key: f for f in findings if hasattr(f, "key")}
        if self._seen is None:
            self._seen = set(current)
            return self._summary(list(current.values()))
        fresh = [f for k, f in current.items() if k not in self._seen]
        self._seen |= set(current)  # a finding that flickers away and back is not new again
        if not fresh:
            return None
        title = "New finding" if len(fresh) == 1 else f"{len(fresh)} new findings"
        return Notice(title, _listing(fresh), _severity(fresh), bell=True)

    @staticmethod
    def _summary(findings: list[Any]) -> Notice | None:
        if not findings:
            return None
        runs = len({f.run for f in findings})
        title = f"{len(findings)} finding{'s' if len(findings) > 1 else ''} in {runs} run"
        title += "s" if runs > 1 else ""
        return Notice(title, _listing(findings), _severity(findings), bell=False)
