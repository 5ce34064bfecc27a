"""Pure log parsers: lines in, records out (no I/O, no Textual, no globals).

Entry points: :func:`parse_lines` for a batch of lines and :class:`FileParser` for feeding
one file's lines incrementally (the live tail uses the same object).
"""

from parsers.base import LineParser, Record
from parsers.driver import FileParser, ParseStats, parse_lines
from parsers.schema import CONFIG_KEYS, FRAME_NAMES, KINDS, SCHEMAS

__all__ = [
    "CONFIG_KEYS",
    "FRAME_NAMES",
    "KINDS",
    "SCHEMAS",
    "FileParser",
    "LineParser",
    "ParseStats",
    "Record",
    "parse_lines",
]
