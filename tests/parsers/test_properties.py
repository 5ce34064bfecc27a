"""Property tests over every registered parser, through the real driver and the real reader.

Random bytes never crash a parser; odd numbers (nan, inf, 1e999, huge integers) never crash one;
a file written in random chunks and read like a tail gives exactly the records of reading it
whole; a file truncated at any byte parses to the records of its complete lines.
"""

from __future__ import annotations

import itertools
import os
import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.jsonl import dumps
from analyzer.load import parse_file
from analyzer.reader import LineCursor, read_new_lines
from parsers import FileParser, Record, parse_lines
from parsers.registry import PARSER_CLASSES
from tests.conftest import REAL_LOGS

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

SAMPLE_LINES: list[str] = [
    line for cls in PARSER_CLASSES for text, _ in cls.SAMPLES for line in text.split("\n")
]
SAMPLES_DOC = "\n".join(SAMPLE_LINES) + "\n"


def _real_docs() -> list[str]:
    if not REAL_LOGS.is_dir():
        return []
    files = sorted(REAL_LOGS.glob("*/*.log"))
    return [
        p.read_text(encoding="utf-8", errors="replace") for p in files if p.stat().st_size < 64_000
    ]


DOCS: list[str] = [SAMPLES_DOC, *_real_docs()]

ODD_NUMBERS = st.sampled_from(
    [
        "nan",
        "NaN",
        "-nan",
        "inf",
        "-inf",
        "Infinity",
        "1e999",
        "-1e999",
        "1e308",
        "0",
        "-0",
        "9" * 40,
        "1,234.5",
        "1.2E+01",
        "",
        "  ",
        "1e",
        ".",
        "-",
        "1/0",
        "²",
        "0x10",
        "1_000",
    ]
)
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")


def _canon(records: list[Record]) -> list[str]:
    return [dumps(r) for r in records]


@SETTINGS
@given(st.binary(max_size=4000))
def test_random_bytes_never_raise(data: bytes) -> None:
    lines = data.decode("utf-8", errors="replace").split("\n")
    records, stats = parse_lines(lines)
    assert stats.lines == len(lines)
    assert all(r["kind"] in {"step", "memory", "timer", "event", "config"} for r in records)


@SETTINGS
@given(st.lists(st.text(max_size=300), max_size=30))
def test_random_text_lines_never_raise(lines: list[str]) -> None:
    parse_lines(lines)


@SETTINGS
@given(st.sampled_from(SAMPLE_LINES), st.data())
def test_odd_numbers_in_sample_lines_never_raise(line: str, data: st.DataObject) -> None:
    def swap(m: re.Match[str]) -> str:
        return data.draw(ODD_NUMBERS) if data.draw(st.booleans()) else m.group(0)

    mutated = _NUMBER.sub(swap, line)
    parse_lines([mutated, mutated[: len(mutated) // 2], line])


def _feed_like_tail(doc: bytes, cuts: list[int], path: Path) -> list[Record]:
    """Append ``doc`` to ``path`` in pieces, reading complete lines after each append."""
    fp = FileParser(source="f", run="r", rank=None)
    cursor = LineCursor()
    out: list[Record] = []
    fd_w = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    fd_r = os.open(path, os.O_RDONLY)
    try:
        bounds = [0, *sorted(set(cuts)), len(doc)]
        for lo, hi in itertools.pairwise(bounds):
            os.write(fd_w, doc[lo:hi])
            for batch in read_new_lines(fd_r, cursor, chunk=64):
                start = cursor.lineno - len(batch) + 1
                for i, text in enumerate(batch, start):
                    out.extend(fp.feed(text, i))
    finally:
        os.close(fd_w)
        os.close(fd_r)
    return out + fp.flush()


@SETTINGS
@given(st.sampled_from(DOCS), st.data())
def test_random_chunks_give_the_records_of_the_whole(doc: str, data: st.DataObject) -> None:
    lines = doc.removesuffix("\n").split("\n")
    raw = ("\n".join(lines) + "\n").encode()
    cuts = data.draw(st.lists(st.integers(0, len(raw)), max_size=12))
    whole, _ = parse_lines(lines, source="f", run="r")
    with tempfile.TemporaryDirectory() as tmp:
        chunked = _feed_like_tail(raw, cuts, Path(tmp) / "log")
    assert _canon(chunked) == _canon(whole)


@SETTINGS
@given(st.sampled_from(DOCS), st.data())
def test_truncated_file_parses_its_complete_lines(doc: str, data: st.DataObject) -> None:
    raw = doc.encode()
    cut = data.draw(st.integers(0, len(raw)))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "log"
        path.write_bytes(raw[:cut])
        result = parse_file(path, "r", None)
    complete = raw[:cut].split(b"\n")[:-1]  # the piece after the last newline is held back
    lines = [line.decode("utf-8", errors="replace") for line in complete]
    expected, _ = parse_lines(lines, source=str(path), run="r")
    assert _canon(result.records) == _canon(expected)
