"""The compiled body parser reads numbers exactly as Python's float() does (bit for bit)."""

from __future__ import annotations

import math
import struct

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer import fastparse_bodies
from analyzer.fastparse_vec import _NUMBER

needs_native = pytest.mark.skipif(not fastparse_bodies.native(), reason="C parser not built")


def _bits(x: float) -> bytes:
    return struct.pack("<d", x)


@needs_native
@settings(max_examples=500, deadline=None)
@given(st.lists(st.from_regex(_NUMBER.strip("^$"), fullmatch=True), min_size=1, max_size=20))
def test_numbers_are_read_as_python_reads_them(numbers: list[str]) -> None:
    from analyzer._bodies import Bodies  # type: ignore[import-not-found]

    bodies = Bodies()
    line = "time (ms) |" + "".join(f" k: {n} |" for n in numbers)
    got = bodies.parse(line, None, 0, b"")
    for key_id in got:  # the new key, then parse again
        bodies.set_code(key_id, -1)
    _ok, _values, _lines, _keys, values = bodies.parse(line, None, 0, b"")
    read = pl.Series(values).to_list()
    assert [_bits(x) for x in read] == [_bits(float(n)) for n in numbers]
    assert not any(math.isnan(x) for x in read)


@needs_native
def test_edge_numbers() -> None:
    from analyzer._bodies import Bodies  # type: ignore[import-not-found]

    numbers = ["-0", "0.0", "-0.000", "9007199254740993", "123456789012345", "1234567890123456",
               "0.1", "1e22", "1e23", "1.5E-22", "1.5e-23", "99e99", "0800", "-1.0E+01",
               "3.14159265358979323846", "0.000000000000000000000000001"]  # fmt: skip
    bodies = Bodies()
    line = "time (ms) |" + "".join(f" k: {n} |" for n in numbers)
    for key_id in bodies.parse(line, None, 0, b""):
        bodies.set_code(key_id, -1)
    values = pl.Series(bodies.parse(line, None, 0, b"")[4]).to_list()
    assert [_bits(x) for x in values] == [_bits(float(n)) for n in numbers]


@needs_native
def test_raw_lines_by_number_with_their_carriage_returns_dropped() -> None:
    """Lines of the scanner's text are picked by number; one CR before the newline is not part
    of the line (polars' read_lines drops it too), so the last value reads as a number."""
    from analyzer._bodies import Bodies  # type: ignore[import-not-found]

    bodies = Bodies()
    raw = b"noise\ntime (ms) | k: 1.5\r\ntime (ms) | k: 2 |\n"
    for key_id in bodies.parse(raw, [2, 1], 0, b""):
        bodies.set_code(key_id, -1)
    _ok, _values, lines, _keys, values = bodies.parse(raw, [2, 1], 0, b"")
    assert (pl.Series(lines).to_list(), pl.Series(values).to_list()) == ([0, 1], [2.0, 1.5])
    with pytest.raises(IndexError):
        bodies.parse(raw, [3], 0, b"")
    with pytest.raises(TypeError):
        bodies.parse(raw, (1,), 0, b"")
