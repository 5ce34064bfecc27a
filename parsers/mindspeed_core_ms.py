"""Parser for the mindspeed_core_ms log family (stub: to be filled in)."""

from __future__ import annotations

from typing import ClassVar

from parsers.base import BaseParser, Record


class MindSpeedCoreMsParser(BaseParser):
    """Lines of the mindspeed_core_ms family."""

    name: ClassVar[str] = "mindspeed_core_ms"
    SAMPLES: ClassVar[list[tuple[str, list[Record]]]] = []

    def feed(self, text: str, lineno: int) -> list[Record] | None:
        return None
