"""Parser for the mindformers log family (stub: to be filled in)."""

from __future__ import annotations

from typing import ClassVar

from parsers.base import BaseParser, Record


class MindFormersParser(BaseParser):
    """Lines of the mindformers family."""

    name: ClassVar[str] = "mindformers"
    SAMPLES: ClassVar[list[tuple[str, list[Record]]]] = []

    def feed(self, text: str, lineno: int) -> list[Record] | None:
        return None
