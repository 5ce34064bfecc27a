"""Parser for the megatron log family (stub: to be filled in)."""

from __future__ import annotations

from typing import ClassVar

from parsers.base import BaseParser, Record


class MegatronParser(BaseParser):
    """Lines of the megatron family."""

    name: ClassVar[str] = "megatron"
    SAMPLES: ClassVar[list[tuple[str, list[Record]]]] = []

    def feed(self, text: str, lineno: int) -> list[Record] | None:
        return None
