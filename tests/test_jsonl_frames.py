"""JSON lines built in polars are byte for byte the record path's (``json.dumps`` per record)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.fastparse import parse_file_fast
from analyzer.jsonl_frames import frames_jsonl, write_frames_jsonl
from analyzer.output import jsonl_text
from analyzer.store import records_to_frame
from tests.test_fastparse import _corpus


@pytest.mark.parametrize("path", _corpus(), ids=lambda p: p.name)
def test_every_corpus_file(path: Path, tmp_path: Path) -> None:
    frames = parse_file_fast(str(path), "r", 0).frames
    assert frames_jsonl(frames) == jsonl_text(frames)
    write_frames_jsonl(frames, tmp_path / "part.jsonl")  # polars' writer: the same bytes
    assert (tmp_path / "part.jsonl").read_text(encoding="utf-8") == jsonl_text(frames)


FLOATS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1.25e-07, 1e16, 1e-5, 0.0, -0.0, 12345678.0, 5231.1]),
    st.none(),
)
TEXT = st.one_of(
    st.text(max_size=12),
    st.sampled_from(['say "hi"', "back\\slash", "tab\there", "\x1b[31mred", "中文", "é"]),
    st.none(),
)
EXTRA = st.one_of(
    st.none(),
    st.dictionaries(st.text(max_size=6), st.one_of(FLOATS, TEXT, st.integers()), max_size=3),
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 40), FLOATS, TEXT, EXTRA, st.integers(-3, 3) | st.none()),
        max_size=30,
    ),
    st.lists(st.tuples(st.integers(0, 40), TEXT, FLOATS), max_size=10),
)
def test_any_values(
    steps: list[tuple[int, float | None, str | None, dict | None, int | None]],
    timers: list[tuple[int, str | None, float | None]],
) -> None:
    """NaN, infinities, -0.0, quotes, escapes, control and non-ASCII characters, nulls."""
    step_recs = [
        {
            "kind": "step",
            "run": "r",
            "source": "s",
            "line": line,
            "loss": loss,
            "timestamp": text,
            "extra": extra,
            "rank": rank,
        }
        for line, loss, text, extra, rank in steps
    ]
    timer_recs = [
        {"kind": "timer", "run": "r", "source": "s", "line": line, "name": name, "ms": ms}
        for line, name, ms in timers
    ]
    frames = {"step": records_to_frame("step", step_recs)}
    frames["timer"] = records_to_frame("timer", timer_recs)
    assert frames_jsonl(frames) == jsonl_text(frames)


def test_several_runs_and_sources_sort_as_records_do() -> None:
    recs = [
        {"kind": "event", "run": run, "source": src, "line": line, "message": "m"}
        for run in ("b", "a")
        for src in ("y", "x")
        for line in (2, 1)
    ]
    frames = {"event": records_to_frame("event", recs), "step": records_to_frame("step", [])}
    assert frames_jsonl(frames) == jsonl_text(frames)
    assert frames_jsonl({"step": records_to_frame("step", [])}) == ""


def test_non_finite_floats_are_strings() -> None:
    frame = records_to_frame(
        "step", [{"run": "r", "source": "s", "line": 1, "loss": v} for v in (math.nan, math.inf)]
    )
    text = frames_jsonl({"step": frame})
    assert '"loss": "nan"' in text and '"loss": "inf"' in text


def test_written_parts_keep_quotes_commas_and_unicode(tmp_path: Path) -> None:
    recs = [
        {"run": "r", "source": "s", "line": i, "message": m, "extra": {"k": m}}
        for i, m in enumerate(['a, "b"', "中文 é", "tab\tnew\\", ""])
    ]
    frames = {"event": records_to_frame("event", recs)}
    write_frames_jsonl(frames, tmp_path / "p.jsonl")
    assert (tmp_path / "p.jsonl").read_text(encoding="utf-8") == jsonl_text(frames)
    write_frames_jsonl({"event": records_to_frame("event", [])}, tmp_path / "e.jsonl")
    assert (tmp_path / "e.jsonl").read_bytes() == b""


def test_c1_controls_are_escaped_the_same_way_on_both_paths() -> None:
    """U+009B is a one-character CSI to some terminals: log text must not reach them raw, in
    a string field or in ``extra``."""
    recs = [
        {"run": "r", "source": "s", "line": 1, "message": "a\x9b31mred", "extra": {"k": "\x85"}},
        {"run": "r", "source": "s", "line": 2, "message": "plain é", "extra": {"k": "x"}},
    ]
    frames = {"event": records_to_frame("event", recs)}
    text = frames_jsonl(frames)
    assert text == jsonl_text(frames)
    assert "\x9b" not in text and "\x85" not in text
    assert "a\\u009b31mred" in text and "\\u0085" in text and "plain é" in text


@pytest.mark.parametrize("path", _corpus()[:6], ids=lambda p: p.name)
def test_a_live_batch_prints_the_same_bytes_one_by_one_or_by_polars(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Small batches are encoded record by record (polars' fixed cost was most of watch's
    latency), big ones by polars: the bytes must not depend on the size."""
    from analyzer import live_batch
    from analyzer.commands.watch import fast_dumps

    frames = parse_file_fast(str(path), run="r", rank=0).frames

    def text(threshold: int) -> str:
        monkeypatch.setattr(live_batch, "POLARS_JSONL_FROM", threshold)
        batch = live_batch.LiveBatch(None, {"r"}, [], 0, 0, frames=[frames])
        return batch.jsonl(fast_dumps)

    assert text(-1) == text(10**9)


@pytest.mark.parametrize("rows", [1, 7, 50])
def test_written_in_line_slices_the_bytes_are_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows: int
) -> None:
    """A big rank file is written a slice of lines at a time (bounded memory), same bytes."""
    import analyzer.jsonl_frames

    path = max(_corpus(), key=lambda p: p.stat().st_size)
    frames = parse_file_fast(str(path), "r", 0).frames
    monkeypatch.setattr(analyzer.jsonl_frames, "SLICE_ROWS", rows)
    write_frames_jsonl(frames, tmp_path / "sliced.jsonl")
    assert (tmp_path / "sliced.jsonl").read_text(encoding="utf-8") == jsonl_text(frames)
