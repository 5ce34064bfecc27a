"""Follower: one file read by offset, partial lines held, truncation and rewrites noticed."""

from __future__ import annotations

import os
from pathlib import Path

from analyzer.output import frame_records
from analyzer.store import frames_from_records
from analyzer.tail import Follower, count_lines
from tests.tail_helpers import append, canon, expected_from_bytes, iteration_line, lines_text


def _norm(records: list[dict]) -> list[dict]:
    frames = frames_from_records(records)
    return [r for kind, fr in frames.items() for r in frame_records(kind, fr)]


def _follow(path: Path) -> Follower:
    return Follower.open(str(path), run="r", rank=0)


def _expected(path: Path) -> list[str]:
    return canon(expected_from_bytes(path.read_bytes(), source=str(path), run="r", rank=0))


def test_reads_appends_and_holds_partial_line(tmp_path: Path) -> None:
    log = tmp_path / "worker_0.log"
    line = iteration_line(1)
    append(log, line[:40])
    f = _follow(log)
    got = f.read()
    assert got.records == [] and got.lines == 0
    append(log, line[40:] + iteration_line(2)[:10])
    got = f.read()
    assert got.lines == 1 and [r["line"] for r in got.records] == [1]
    append(log, iteration_line(2)[10:])
    assert [r["line"] for r in f.read().records] == [2]
    f.close()


def test_chunked_appends_equal_whole_parse(tmp_path: Path) -> None:
    log = tmp_path / "worker_0.log"
    data = lines_text(range(1, 60)).encode()
    f = _follow(log) if log.exists() else None
    log.touch()
    f = _follow(log)
    records: list[dict] = []
    for start in range(0, len(data), 97):
        append(log, data[start : start + 97])
        records.extend(f.read().records)
    records.extend(f.finish())
    assert canon(_norm(records)) == _expected(log)


def test_truncation_restarts_with_event(tmp_path: Path) -> None:
    log = tmp_path / "worker_0.log"
    append(log, lines_text(range(1, 6)))
    f = _follow(log)
    assert len(f.read().records) == 5
    os.truncate(log, 0)
    append(log, lines_text(range(1, 3), tag=1))
    got = f.read()
    assert got.truncated
    assert got.records[0]["type"] == "log_truncated" and got.records[0]["severity"] == "warning"
    assert [r["line"] for r in got.records[1:]] == [1, 2]


def test_rewrite_longer_is_noticed(tmp_path: Path) -> None:
    log = tmp_path / "worker_0.log"
    append(log, lines_text(range(1, 3)))
    f = _follow(log)
    f.read()
    ino = os.stat(log).st_ino
    with open(log, "w") as fh:  # same inode, longer, different content
        fh.write("[rank0]: restarted\n" + lines_text(range(1, 9), tag=2))
    assert os.stat(log).st_ino == ino
    got = f.read()
    assert got.truncated
    assert canon(_norm(got.records[1:])) == _expected(log)


def test_same_head_rewrite_noticed_by_tail_bytes(tmp_path: Path) -> None:
    log = tmp_path / "worker_0.log"
    head = "x" * 300 + "\n"
    append(log, head + iteration_line(1))
    f = _follow(log)
    f.read()
    with open(log, "w") as fh:  # same first bytes, different bytes before the old offset
        fh.write(head + iteration_line(7, tag=3) + iteration_line(8))
    got = f.read()
    assert got.truncated
    assert [r.get("step") for r in got.records[1:]] == [7, 8]


def test_invalid_utf8_is_counted_and_reading_goes_on(tmp_path: Path) -> None:
    log = tmp_path / "worker_0.log"
    append(log, b"\xff\xfe broken\n" + iteration_line(3).encode())
    f = _follow(log)
    got = f.read()
    assert [r["step"] for r in got.records] == [3]
    assert f.stats.decode_errors == 1 and f.stats.lines == 2


def test_budget_bounds_one_read(tmp_path: Path) -> None:
    log = tmp_path / "worker_0.log"
    append(log, lines_text(range(1, 2001)))
    f = _follow(log)
    first = f.read(budget=64 << 10)
    assert first.more and 0 < len(first.records) < 2000
    records = list(first.records)
    while True:
        got = f.read(budget=64 << 10)
        records.extend(got.records)
        if not got.more:
            break
    assert canon(_norm(records)) == _expected(log)


def test_deleted_file_is_read_to_its_end(tmp_path: Path) -> None:
    log = tmp_path / "worker_0.log"
    append(log, lines_text(range(1, 4)))
    f = _follow(log)
    log.unlink()
    assert f.is_deleted()
    assert len(f.read().records) == 3


def test_skip_to_end_keeps_line_numbers(tmp_path: Path) -> None:
    log = tmp_path / "worker_0.log"
    append(log, lines_text(range(1, 4)) + "partial")
    f = _follow(log)
    f.skip_to_end()
    append(log, " line\n" + iteration_line(9))
    got = f.read()
    assert [(r["line"], r["step"]) for r in got.records] == [(5, 9)]


def test_count_lines(tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    log.write_bytes(b"a\nbb\nccc")
    fd = os.open(log, os.O_RDONLY)
    try:
        assert count_lines(fd, chunk=2) == (5, 2)
    finally:
        os.close(fd)


def test_directory_is_refused(tmp_path: Path) -> None:
    try:
        _follow(tmp_path)
    except OSError:
        pass
    else:  # pragma: no cover
        raise AssertionError("a directory was followed")


def test_an_overlong_open_line_is_held_by_its_prefix(tmp_path: Path) -> None:
    """A progress bar redrawn with \\r never ends its line: holding all of it grew memory and
    re-read it on every update. Past MAX_LINE only a prefix is kept; the line still counts."""
    from analyzer import reader

    log = tmp_path / "worker_0.log"
    append(log, lines_text([1]))
    f = _follow(log)
    assert [r["line"] for r in f.read(bulk=True).records] == [1]
    start = log.stat().st_size
    bar = "é" * 1000 + "\r"  # two-byte characters: the prefix must end on a boundary
    for _ in range(reader.MAX_LINE // len(bar.encode()) + 20):
        append(log, bar * 1)
    while f.read(bulk=True).more:
        pass
    c = f.cursor
    assert len(c.partial) <= reader.LONG_PREFIX and c.dropped > 0
    assert c.consumed == start, "a restart resumes at the long line's start"
    append(log, "\n" + lines_text([2]))
    got = f.read(bulk=True)
    assert [r["line"] for r in got.records] == [3], "the line after the long one keeps its number"
    assert got.lines == 2 and got.unrecognised == 1
    assert c.decode_errors == 0 and f.cursor.dropped == 0
    f.close()
