"""Parser for the failures log family (stub: to be filled in)."""

from __future__ import annotations

from typing import ClassVar

from parsers.base import BaseParser, Record


class FailureParser(BaseParser):
    """Lines of the failures family."""

    name: ClassVar[str] = "failures"
    SAMPLES: ClassVar[list[tuple[str, list[Record]]]] = []

    def feed(self, text: str, lineno: int) -> list[Record] | None:
        return None
