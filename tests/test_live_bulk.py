"""The live catch-up of a big file by the bulk path: the records of ``parse``, in order, and
the follower carries on line by line (open blocks, line numbers) for what is appended next."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer import tail
from analyzer.live import LiveSession
from analyzer.output import frame_records
from analyzer.tail import Follower
from tests.conftest import REAL_LOGS, REPO
from tests.tail_helpers import (
    Collector,
    append,
    canon,
    expected_from_bytes,
    expected_from_paths,
    lines_text,
    wait_until,
)

SAMPLES = REPO / "sample_logs"


def _mixed_text(min_bytes: int) -> bytes:
    """Sample and real logs of several families (tracebacks, argument dumps), repeated."""
    files = sorted(SAMPLES.rglob("*.log"))[:6]
    if REAL_LOGS.is_dir():
        files += sorted(REAL_LOGS.rglob("*.log"))
    body = b"".join(f.read_bytes() for f in files) + lines_text(range(1, 200)).encode()
    return body * (min_bytes // len(body) + 1)


def _follow_all(f: Follower, bulk_reads: list[int] | None = None) -> list[dict]:
    out: list[dict] = []
    while True:
        res = f.read(bulk=True)
        if bulk_reads is not None and res.frames is not None:
            bulk_reads.append(res.lines)
        out.extend(res.records)
        for kind, frame in (res.frames or {}).items():
            out.extend(frame_records(kind, frame))
        if not res.more:
            return out


@pytest.fixture
def small_bulk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bulk reads of 256 KiB: many read boundaries inside a few MB of mixed logs."""
    monkeypatch.setattr(tail, "BULK_MIN", 64 << 10)
    monkeypatch.setattr(tail, "BULK_BUDGET", 256 << 10)


@pytest.mark.usefixtures("small_bulk")
def test_bulk_reads_then_appends_give_the_records_of_parse(tmp_path: Path) -> None:
    data = _mixed_text(3 << 20)
    cut = data.rfind(b"\n", 0, len(data) - 5000) + 1
    cut = data.rfind(b"\n", 0, cut - 1) + 1  # leave a few lines for the line path
    path = tmp_path / "rank_0.log"
    path.write_bytes(data[:cut])
    f = Follower.open(str(path), run="r", rank=0)
    try:
        bulk_reads: list[int] = []
        got = _follow_all(f, bulk_reads)
        assert len(bulk_reads) > 4
        append(path, data[cut:] + b"partial line, no newline")
        got += _follow_all(f)
        got += list(frame_records_of(f.finish()))
    finally:
        f.close()
    want = expected_from_bytes(path.read_bytes(), source=str(path), run="r", rank=0)
    assert canon(got) == canon(want)
    assert [r["line"] for r in got if r["kind"] == "step"] == [
        r["line"] for r in want if r["kind"] == "step"
    ]


def frame_records_of(records: list[dict]) -> list[dict]:
    """Records as ``parse`` prints them (normalised through a frame)."""
    from analyzer.store import frames_from_records

    return [r for k, fr in frames_from_records(records).items() for r in frame_records(k, fr)]


def test_a_session_catches_up_on_a_big_file_by_the_bulk_path(tmp_path: Path) -> None:
    run = tmp_path / "job"
    run.mkdir()
    path = run / "worker_0.log"
    path.write_bytes(_mixed_text(tail.BULK_MIN + (2 << 20)))
    collector = Collector()
    session = LiveSession([run], cache_dir=tmp_path / "cache", batch_interval=0.0)
    session.start(collector)
    try:
        want = canon(expected_from_paths([run]))
        wait_until(lambda: canon(collector.snapshot()) == want, what="catch-up")
        append(path, lines_text(range(5000, 5003)))
        want = canon(expected_from_paths([run]))
        wait_until(lambda: canon(collector.snapshot()) == want, what="appended lines")
    finally:
        session.stop()
    assert session.error is None


@pytest.fixture(autouse=True)
def _always_bulk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small files normally go line by line; here the bulk path must run on every corpus file."""
    import analyzer.fastparse

    monkeypatch.setattr(analyzer.fastparse, "SMALL_RANGE", -1)
    import analyzer.cache_load

    monkeypatch.setattr(analyzer.cache_load, "CACHE_MIN_BYTES", 0)
