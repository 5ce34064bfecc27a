"""Parser for the hf_deepspeed log family (stub: to be filled in)."""

from __future__ import annotations

from typing import ClassVar

from parsers.base import BaseParser, Record


class HfDeepSpeedParser(BaseParser):
    """Lines of the hf_deepspeed family."""

    name: ClassVar[str] = "hf_deepspeed"
    SAMPLES: ClassVar[list[tuple[str, list[Record]]]] = []

    def feed(self, text: str, lineno: int) -> list[Record] | None:
        return None
