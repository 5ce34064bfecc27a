"""Parser for the mindspore log family (stub: to be filled in)."""

from __future__ import annotations

from typing import ClassVar

from parsers.base import BaseParser, Record


class MindSporeParser(BaseParser):
    """Lines of the mindspore family."""

    name: ClassVar[str] = "mindspore"
    SAMPLES: ClassVar[list[tuple[str, list[Record]]]] = []

    def feed(self, text: str, lineno: int) -> list[Record] | None:
        return None
