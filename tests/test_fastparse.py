"""The bulk path (prefilter + chunked reads) gives exactly the records of the line path."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.fastparse import parse_file_fast
from analyzer.load import parse_file
from analyzer.store import frames_from_records
from parsers import KINDS
from parsers.registry import PARSER_CLASSES
from tests.conftest import REAL_LOGS

REPO = Path(__file__).resolve().parents[1]


def _corpus() -> list[Path]:
    roots = [REPO / "sample_logs", REPO / "tests" / "fixtures", REAL_LOGS]
    files: list[Path] = []
    for root in roots:
        if root.is_dir():
            files.extend(sorted(root.rglob("*.log")))
    return files


def _same(path: Path, *, chunk: int = 64 << 20) -> None:
    line = parse_file(path, "r", 0)
    bulk = parse_file_fast(str(path), "r", 0, chunk=chunk)
    expected = frames_from_records(line.records)
    for kind in KINDS:
        a = expected[kind].sort(["source", "line"], maintain_order=True)
        b = bulk.frames[kind].sort(["source", "line"], maintain_order=True)
        assert a.equals(b), f"{path}: {kind} differs ({a.height} vs {b.height} rows)"
    for attr in ("lines", "recognised", "unrecognised", "oversized", "decode_errors"):
        assert getattr(line.stats, attr) == getattr(bulk.stats, attr), f"{path}: {attr}"
    assert line.partial_tail == bulk.partial_tail


@pytest.mark.parametrize("path", _corpus(), ids=lambda p: p.name)
def test_bulk_equals_line_path_on_every_corpus_file(path: Path) -> None:
    _same(path)


def test_small_chunks_cut_anywhere_give_the_same_records(tmp_path: Path) -> None:
    files = [p for p in _corpus() if p.stat().st_size > 2000][:6]
    for path in files:
        _same(path, chunk=997)


def _sample_lines() -> list[str]:
    lines: list[str] = []
    for cls in PARSER_CLASSES:
        for text, _records in cls.SAMPLES:
            lines.extend(text.split("\n"))
    return lines


NOISE = [
    "",
    "building GPT model ...",
    "   some indented noise line",
    "  0%|          | 0/10 [00:00<?, ?it/s]",
    "\x1b[31mred text\x1b[0m",
    "x" * 300,
]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.sampled_from(_sample_lines() + NOISE), min_size=1, max_size=120))
def test_random_mixes_of_sample_lines_and_noise(tmp_path: Path, lines: list[str]) -> None:
    path = tmp_path / "mix.log"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _same(path)


def test_invalid_utf8_and_partial_tail_are_counted_alike(tmp_path: Path) -> None:
    path = tmp_path / "bad.log"
    path.write_bytes(
        b" iteration        1/      10 | lm loss: 1.0E+00 |\n\xff\xfe broken\n"
        b'Traceback (most recent call last):\n  File "x.py", line 1\nValueError: bad\npartial'
    )
    _same(path)
    bulk = parse_file_fast(str(path), "r", 0)
    assert bulk.stats.decode_errors == 1
    assert bulk.partial_tail
    assert bulk.frames["step"].height == 1
    assert pl.Series(bulk.frames["event"]["type"]).to_list() == ["traceback"]


@pytest.fixture(autouse=True)
def _always_bulk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small files normally go line by line; here the bulk path must run on every corpus file."""
    import analyzer.fastparse

    monkeypatch.setattr(analyzer.fastparse, "SMALL_RANGE", -1)


def test_parse_cli_says_why_nothing_was_parseable(tmp_path: Path) -> None:
    """A binary file and a file of one 10 MB line: exit 2, one line saying what was there."""
    import subprocess
    import sys

    binary = tmp_path / "bin.log"
    binary.write_bytes(bytes(range(256)) * 20)
    huge = tmp_path / "huge.log"
    huge.write_text("x" * 10_000_000 + "\n")
    analyzer = str(Path(sys.executable).with_name("analyzer"))
    for path, why in ((binary, "binary file"), (huge, "over 1 MiB")):
        got = subprocess.run([analyzer, "parse", str(path)], capture_output=True, text=True)
        assert got.returncode == 2
        assert got.stderr.count("\n") == 1 and why in got.stderr, got.stderr
        assert "Traceback" not in got.stderr


PREFIXES = ["", "", " 3: ", "12: ", "[default1]: ", "[rank0]:"]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(st.sampled_from(PREFIXES), st.sampled_from(_sample_lines() + NOISE)),
        min_size=1,
        max_size=120,
    )
)
def test_launcher_prefixes_give_the_same_records(
    tmp_path: Path, lines: list[tuple[str, str]]
) -> None:
    """torchrun and srun --label prefixes, on any line: bulk and line path agree."""
    path = tmp_path / "mix.log"
    path.write_text("\n".join(p + t for p, t in lines) + "\n", encoding="utf-8")
    _same(path)
