"""The vectorised shapes of the bulk path give exactly the line path's records and statistics.

Lines are built from pieces chosen to sit on both sides of every strictness check of
:mod:`analyzer.fastparse_vec` and :mod:`analyzer.fastparse_ms` (odd numbers, odd whitespace,
prefixes, repeated and unknown keys, markers), mixed with blocks that leave parsers pending.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.fastparse import parse_file_fast
from analyzer.load import parse_file
from analyzer.store import frames_from_records
from benchmarks.logdata import generate
from parsers import KINDS

NUMBERS = st.sampled_from(
    ["1", "0", "-3", "12.5", "1.0E+01", "9.680000E+00", "1e-05", "0800", "123456789012345678",
     "nan", "inf", "-inf", "1,234.5", "85%", "12 ms", "1.", ".5", "+1", "1e400", "abc", "",
     "7\u3000", "\t3", "1_000", "2.5e-7", "3.14159265358979323846"]
)  # fmt: skip
KEYS = st.sampled_from(
    ["lm loss", "consumed samples", "elapsed time per iteration (ms)", "learning rate",
     "global batch size", "gloabl batch size", "loss scale", "grad norm", "TFLOPs",
     "throughput per GPU (TFLOP/s/GPU)", "number of skipped iterations",
     "number of nan iterations", "max_memory_allocated(GB)", "tokens per sec", "mtp_1 loss",
     "lm  loss", " grad norm ", "a\"b", "back\\slash", "", "k\tey", "ключ", "forward-backward",
     "allocated", "max allocated", "reserved", "max reserved", "x:y"]
)  # fmt: skip
PREFIXES = st.sampled_from(
    ["", " ", "   ", "[default3]: ", "[rank12]:", "[2024-06-18 22:26:49] ", " [2024-06-18 22:26:49]",
     "[2024-06-18 22:26:49.123] ", "INFO [2024-06-18 22:26:49] >> ", "\t", "[default0]:\u3000"]
)  # fmt: skip
TAILS = st.sampled_from(["", " ", "  ", "\t", "\r", "\u3000", " x", "|"])


@st.composite
def pairs(draw: st.DrawFn, n: int = 6) -> str:
    items = draw(st.lists(st.tuples(KEYS, NUMBERS), max_size=n))
    return "".join(f" {k}: {v} |" for k, v in items)


@st.composite
def iteration_line(draw: st.DrawFn) -> str:
    head = f"iteration {draw(st.integers(0, 10**7)):8d}/{draw(st.sampled_from(['  2000', '', ' 7']))} |"
    return draw(PREFIXES) + head + draw(pairs()) + draw(TAILS)


@st.composite
def timer_line(draw: st.DrawFn) -> str:
    body = draw(pairs(4)).rstrip("|").rstrip()
    return draw(st.sampled_from(["", "[default1]: ", " "])) + "time (ms) |" + body + draw(TAILS)


@st.composite
def memory_line(draw: st.DrawFn) -> str:
    head = f"[Rank {draw(st.integers(0, 64))}] (after {draw(st.integers(0, 10**6))} iterations)"
    return draw(st.sampled_from(["", "[rank2]: "])) + head + " memory (MB) |" + draw(pairs(5))


MS_MESSAGES = st.sampled_from(
    ["The 'Cast' operator is deprecated.", "SyncStream] Stream sync took longer.",
     "Cluster is successfully initialized.", "memory pool grew", "EL0004: Failed to allocate",
     "HCCL timeout", "Enable dryrun mode", "Traceback (most recent call last):",
     "Connection refused", "saving checkpoint at iteration 5", "lm loss: 3", "  padded  ",
     "Worker process 12 exit with exception. Error code: 1.", "naïve message", "time (ms) | a: 1"]
)  # fmt: skip


@st.composite
def mindspore_line(draw: st.DrawFn) -> str:
    level = draw(st.sampled_from(["WARNING", "ERROR", "INFO", "DEBUG", "CRITICAL"]))
    module = draw(st.sampled_from(["ME", "DEVICE", "PYNATIVE", "ms"]))
    who = draw(st.sampled_from(["4003:139876543210,MainProcess", "4003,7f3a2b1c4700,python"]))
    src = draw(
        st.sampled_from(
            ["mindspore/ops/primitive.py:112", "runtime/kernel.cc:300", "a.py", 'q"src', "s p"]
        )
    )
    stamp = draw(st.sampled_from(["2025-03-12-10:05:12.12.0", "2025-03-12-10:05:12.930.00 "]))
    return f"[{level}] {module}({who}):{stamp} [{src}] {draw(MS_MESSAGES)}"


NOISE = st.sampled_from(
    ["", "noise line", "   indented noise", "Traceback (most recent call last):",
     '  File "x.py", line 1, in <module>', "ValueError: boom", " iteration 5/ 10 | lm loss:",
     " 2.0 |", "---------------- arguments ----------------", "  seq_length ...... 4096",
     "-------------------- end of arguments ---------------------",
     "(min, max) time across ranks (ms):", "    forward-backward ...: (1.0, 2.0)",
     "Failures:", "Segmentation fault (core dumped)"]
)  # fmt: skip
LINES = st.one_of(iteration_line(), timer_line(), memory_line(), mindspore_line(), NOISE)


def _same(path: Path, *, chunk: int = 64 << 20) -> None:
    line = parse_file(path, "r", 0)
    bulk = parse_file_fast(str(path), "r", 0, chunk=chunk)
    expected = frames_from_records(line.records)
    for kind in KINDS:
        assert expected[kind].equals(bulk.frames[kind]), f"{kind} differs"
    for attr in ("lines", "recognised", "unrecognised", "oversized", "decode_errors", "records"):
        assert getattr(line.stats, attr) == getattr(bulk.stats, attr), attr


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(LINES, min_size=1, max_size=80), st.sampled_from([64 << 20, 701]))
def test_vectorised_shapes_give_the_line_paths_records(
    tmp_path: Path, lines: list[str], chunk: int
) -> None:
    path = tmp_path / "mix.log"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _same(path, chunk=chunk)


def test_benchmark_mixes_in_record_order(tmp_path: Path) -> None:
    """Both generated mixes, record order included (not only after sorting)."""
    for mix in ("realistic", "dense"):
        data = generate(4, files=2, mix=mix, root=tmp_path)
        for path in sorted(data.glob("worker_*.log")):
            _same(path)
            _same(path, chunk=1 << 16)


def test_vectorised_records_carry_prefix_rank_and_timer_steps(tmp_path: Path) -> None:
    path = tmp_path / "w.log"
    path.write_text(
        "time (ms) | forward-backward: 1.5 |\n"
        "[default3]:  iteration        7/      10 | lm loss: 2.5E+00 | tokens per sec: 12.0 |\n"
        "[default3]: time (ms) | forward-backward: 3.25 | optimizer: 1\n"
        "[Rank 5] (after 7 iterations) memory (MB) | allocated: 10.5 | max reserved: 20\n"
    )
    _same(path)
    bulk = parse_file_fast(str(path), "r", 0)
    step = bulk.frames["step"].row(0, named=True)
    assert (step["rank"], step["step"], step["loss"]) == (3, 7, 2.5)
    assert step["extra"] == '{"tokens per sec": 12.0}'
    timers = bulk.frames["timer"]
    assert timers["step"].to_list() == [None, 7, 7]
    assert pl.Series(bulk.frames["memory"]["rank"]).to_list() == [5, 5]


def test_frames_survive_the_trip_from_a_worker_unchanged(tmp_path: Path) -> None:
    """FileFrames pickle without their constant run/source columns and come back equal."""
    import pickle

    data = generate(2, files=1, mix="dense", root=tmp_path)
    bulk = parse_file_fast(str(data / "worker_0.log"), "r", 0)
    back = pickle.loads(pickle.dumps(bulk))
    for kind in KINDS:
        assert back.frames[kind].equals(bulk.frames[kind])
        assert back.frames[kind].schema == bulk.frames[kind].schema
    assert (back.stats, back.partial_tail) == (bulk.stats, bulk.partial_tail)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.one_of(LINES, st.text(max_size=60)), min_size=1, max_size=60))
def test_trigger_mask_is_the_exact_literal_test(lines: list[str]) -> None:
    """The two-stage mask (anchor cover, then the exact test on hits) marks exactly the lines
    holding a trigger literal; every trigger alone is marked."""
    from analyzer.fastparse_mask import _triggered
    from parsers.prefilter import trigger_literals

    lits = trigger_literals()
    series = pl.Series([line.replace("\n", " ") for line in [*lines, *lits]], dtype=pl.String)
    assert _triggered(series).to_list() == series.str.contains_any(lits).to_list()


@pytest.fixture(autouse=True)
def _always_bulk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small files normally go line by line; here the bulk path must run on every corpus file."""
    import analyzer.fastparse

    monkeypatch.setattr(analyzer.fastparse, "SMALL_RANGE", -1)
