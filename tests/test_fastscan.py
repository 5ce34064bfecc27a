"""The compiled scanner finds exactly the candidates of the polars path, and records agree."""

from __future__ import annotations

import shutil
import sysconfig
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import analyzer.fastparse
import analyzer.fastscan as fastscan
from analyzer.fastparse import _lines, parse_file_fast
from parsers import KINDS
from parsers.prefilter import MAX_LINE_CHARS, context_rules, trigger_literals
from tests.test_fastparse import _corpus, _sample_lines

needs_native = pytest.mark.skipif(not fastscan.native(), reason="C scanner not built")


def _compiler() -> str | None:
    cc = (sysconfig.get_config_var("CC") or "cc").split()[0]
    return shutil.which(cc)


def test_scanner_is_built_where_a_compiler_is() -> None:
    """`make test` installs with a compiler at hand: the fast path must then be the native one
    (a build failure is only a warning, so without this test it would pass unnoticed)."""
    if _compiler() is None:
        pytest.skip("no C compiler: the polars path is used (same records)")
    from analyzer import fastparse_bodies

    assert fastscan.native(), "a C compiler is installed but analyzer._scan was not built"
    assert fastparse_bodies.native(), "a C compiler is installed but analyzer._bodies was not built"


def _both(data: bytes, carry: int) -> tuple[fastscan.Candidates | None, fastscan.Candidates]:
    end = data.rfind(b"\n") + 1
    lines, _bad = _lines(data, end) if end else (pl.Series("line", [], pl.String), 0)
    return fastscan.from_bytes(data, end, carry), fastscan.from_lines(lines, carry)


def _assert_same(native: fastscan.Candidates, ref: fastscan.Candidates) -> None:
    assert native.lines == ref.lines
    assert native.idx.cast(pl.UInt32).to_list() == ref.idx.cast(pl.UInt32).to_list()
    assert native.texts.to_list() == ref.texts.to_list()
    assert native.window_only == ref.window_only
    assert native.reach == ref.reach


#: Lines around the literal search's edges: every trigger and opener alone, at a line's start
#: and end, cut by one byte, with CR line ends, a long line and non-ASCII text.
_EDGES = [
    *trigger_literals(),
    *(f"x{t}" for t in trigger_literals()),
    *(t[:-1] for t in trigger_literals()),
    *(lit for lit, _w in context_rules()),
    "plain noise line\r",
    "\r",
    "",
    "héllo wörld — 训练 EL0004 ✓",
    "E",
]
_WORDS = st.sampled_from(_EDGES + _sample_lines())


@needs_native
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.one_of(_WORDS, st.text(max_size=40)), min_size=0, max_size=60),
    st.integers(0, 5),
    st.booleans(),
)
def test_same_candidates_as_the_polars_path(lines: list[str], carry: int, partial: bool) -> None:
    text = "\n".join(line.replace("\n", " ") for line in lines) + "\n"
    data = text.encode() + (b"partial last line" if partial else b"")
    native, ref = _both(data, carry)
    assert native is not None
    _assert_same(native, ref)


@needs_native
def test_oversized_lines_and_windows_reaching_past_the_chunk() -> None:
    long = "y" * (MAX_LINE_CHARS + 1)
    at_cap = "z" * MAX_LINE_CHARS
    data = f"a\n{long}\n{at_cap}\r\nTraceback (most recent call last):\nb\n".encode()
    native, ref = _both(data, 0)
    assert native is not None
    _assert_same(native, ref)
    assert native.reach == ref.reach > 0


@needs_native
def test_invalid_utf8_is_left_to_the_polars_path() -> None:
    for data in (b"ok\nbad \xff line\n", b"surrogate \xed\xa0\x80\n", b"cut \xe2\x9c\n"):
        assert fastscan.from_bytes(data, len(data), 0) is None
    fine = "fine ✓\n".encode()
    assert fastscan.from_bytes(fine, len(fine), 0) is not None


@needs_native
def test_literals_must_be_two_bytes_or_more() -> None:
    from analyzer._scan import Scanner  # type: ignore[import-not-found]

    with pytest.raises(ValueError, match="two bytes"):
        Scanner((b"x",), (), 10)
    with pytest.raises(TypeError):
        Scanner((b"ab",), ((b"cd",),), 10)


@pytest.fixture
def bulk_everywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(analyzer.fastparse, "SMALL_RANGE", -1)


@needs_native
@pytest.mark.usefixtures("bulk_everywhere")
@pytest.mark.parametrize("chunk", [64 << 20, 997])
def test_records_are_the_same_with_either_scanner(
    monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    files: list[Path] = _corpus()
    if chunk < 1000:
        files = [p for p in files if p.stat().st_size > 2000][:6]
    native = [parse_file_fast(str(p), "r", 0, chunk=chunk) for p in files]
    monkeypatch.setattr(fastscan, "_scanner", lambda *_sample: None)
    for path, got in zip(files, native, strict=True):
        ref = parse_file_fast(str(path), "r", 0, chunk=chunk)
        for kind in KINDS:
            assert got.frames[kind].equals(ref.frames[kind]), f"{path}: {kind}"
        assert got.stats == ref.stats, path


@needs_native
@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(_WORDS, st.text(max_size=40)), min_size=1, max_size=40))
def test_the_sample_changes_speed_only(lines: list[str]) -> None:
    """Literals are filed under pairs the sample rarely holds; any sample, same answers."""
    from analyzer._scan import Scanner  # type: ignore[import-not-found]

    data = ("\n".join(line.replace("\n", " ") for line in lines) + "\n").encode()
    triggers = tuple(t.encode() for t in trigger_literals())
    openers = tuple((lit.encode(), w) for lit, w in context_rules())
    literals = b"\n".join([*triggers, *(lit for lit, _w in openers)])
    got = {
        _plain(Scanner(triggers, openers, MAX_LINE_CHARS, sample).scan(data, len(data), 0))
        for sample in (b"", literals, literals * 3 + data, data)
    }
    assert len(got) == 1


def _plain(result: tuple) -> tuple:  # type: ignore[type-arg]
    """A scan result with its columns as tuples of numbers."""
    lines, idx, triggered, texts, reach = result
    return lines, tuple(pl.Series(idx)), tuple(pl.Series(triggered)), texts, reach


@needs_native
def test_chunk_edges_empty_and_without_a_last_newline() -> None:
    from analyzer._scan import Scanner  # type: ignore[import-not-found]

    scanner = Scanner((b"loss",), ((b"Traceback", 2),), 100)
    assert _plain(scanner.scan(b"", 0, 0)) == (0, (), (), b"", 0)
    lines, _idx, triggered, texts, reach = _plain(scanner.scan(b"a\nlm loss", 9, 0))
    assert (lines, triggered, texts, reach) == (2, (1,), b"lm loss\n", 0)
    assert scanner.scan(b"Traceback", 9, 0)[3:] == (b"Traceback\n", 2)


@needs_native
def test_columns_move_to_polars_once() -> None:
    from analyzer._scan import Scanner  # type: ignore[import-not-found]

    _lines, idx, flags, _texts, _reach = Scanner((b"loss",), (), 100).scan(b"lm loss\nx\n", 10, 0)
    assert len(idx) == 1
    series = pl.Series(idx)
    assert (series.dtype, series.to_list()) == (pl.UInt32, [0])
    assert pl.Series(flags).dtype == pl.UInt8
    with pytest.raises(ValueError, match="exported already"):
        pl.Series(idx)
