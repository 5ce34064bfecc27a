"""The parse cache: reopening parses only new bytes; a changed file is parsed again."""

from __future__ import annotations

import json
import os
from pathlib import Path

from analyzer.cache import FileCache, cache_root, cached_offset
from analyzer.live import LiveSession
from analyzer.store import frames_from_records
from analyzer.tail import Follower
from tests.tail_helpers import (
    Collector,
    append,
    canon,
    expected_from_paths,
    lines_text,
    wait_until,
    without_truncations,
)


def _session_records(run: Path, cache: Path, *, use_cache: bool = True) -> Collector:
    """Open a session, wait until it holds every record of the files, stop it."""
    collector = Collector()
    session = LiveSession([run], cache_dir=cache, use_cache=use_cache, batch_interval=0.0)
    session.start(collector)
    want = canon(expected_from_paths([run]))
    try:
        wait_until(lambda: canon(without_truncations(collector.snapshot())) == want)
    finally:
        session.stop()
    assert session.error is None
    return collector


def _run(tmp_path: Path) -> Path:
    run = tmp_path / "job"
    run.mkdir()
    append(run / "worker_0.log", lines_text(range(1, 40)))
    append(run / "worker_1.log", lines_text(range(1, 30)) + "[rank1]: half a li")
    return run


def test_reopen_parses_only_new_bytes(tmp_path: Path) -> None:
    run, cache = _run(tmp_path), tmp_path / "cache"
    first = _session_records(run, cache)
    assert first.lines == 39 + 29
    again = _session_records(run, cache)
    assert again.lines == 0, "everything came from the cache"
    assert canon(again.records) == canon(first.records)
    append(run / "worker_1.log", "ne\n" + lines_text(range(30, 35)))
    third = _session_records(run, cache)
    assert third.lines == 1 + 5, "only the completed partial line and the new lines were parsed"


def test_changed_file_is_parsed_again(tmp_path: Path) -> None:
    run, cache = _run(tmp_path), tmp_path / "cache"
    _session_records(run, cache)
    with open(run / "worker_0.log", "w") as fh:  # same inode, new content
        fh.write(lines_text(range(1, 50), tag=4))
    again = _session_records(run, cache)
    assert again.lines == 49, "the rewritten file only"
    os.truncate(run / "worker_1.log", 100)  # shorter than the cached offset: parsed again
    third = _session_records(run, cache)
    assert third.lines == 0 and {r["source"] for r in third.records} == {str(run / "worker_0.log")}


def test_no_cache_writes_nothing(tmp_path: Path) -> None:
    run, cache = _run(tmp_path), tmp_path / "cache"
    _session_records(run, cache, use_cache=False)
    assert not cache.exists()


def test_corrupt_entry_falls_back_to_parsing(tmp_path: Path) -> None:
    run, cache = _run(tmp_path), tmp_path / "cache"
    _session_records(run, cache)
    for meta in cache.rglob("meta.json"):
        meta.write_text("{not json")
    for seg in cache.rglob("*.parquet"):
        seg.write_bytes(b"garbage")
    again = _session_records(run, cache)
    assert again.lines == 39 + 29


def test_missing_segment_falls_back_to_parsing(tmp_path: Path) -> None:
    run, cache = _run(tmp_path), tmp_path / "cache"
    _session_records(run, cache)
    for seg in cache.rglob("*.parquet"):
        seg.unlink()
    again = _session_records(run, cache)
    assert again.lines == 39 + 29


def test_commit_lists_only_written_segments_and_compacts(tmp_path: Path) -> None:
    log = tmp_path / "worker_0.log"
    log.touch()
    f = Follower.open(str(log), run="r", rank=0)
    cache = FileCache(tmp_path / "c", f)
    for step in range(1, 40):
        append(log, lines_text([step]))
        cache.add(frames_from_records(f.read().records))
        cache.commit()
    meta = json.loads((cache.dir / "meta.json").read_text())
    names = {n for seg in meta["segments"] for n in seg.values()}
    assert names == {p.name for p in cache.dir.glob("*.parquet")}
    assert len(meta["segments"]) <= 25
    g = Follower.open(str(log), run="renamed", rank=0)
    frames = FileCache(tmp_path / "c", g).restore()
    assert frames is not None and frames["step"].height == 39
    assert set(frames["step"]["run"].to_list()) == {"renamed"}
    assert g.cursor.lineno == 39 and g.cursor.offset == log.stat().st_size
    f.close()
    g.close()


def test_cache_root_honours_xdg(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_root() == tmp_path / "analyzer"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_root() == Path(os.path.expanduser("~")) / ".cache" / "analyzer"


def test_live_commits_within_a_budget_least_recently_committed_first(tmp_path: Path) -> None:
    """Many growing files: each commit pass writes what its time budget allows (at least one
    entry), the entries committed longest ago first, so every file's entry keeps moving."""
    run, cache = tmp_path / "job", tmp_path / "cache"
    run.mkdir()
    paths = [run / f"worker_{r}.log" for r in range(3)]
    for p in paths:
        append(p, lines_text(range(1, 10)))
    session = LiveSession([run], cache_dir=cache)
    session.watcher.start(session._dirs)  # no tail thread: the test drives the passes
    try:
        session._discover()
        assert not any(cached_offset(str(p), cache) for p in paths)
        for done in (1, 2, 3):
            session._files.commit(budget=0.0)
            assert sum(cached_offset(str(p), cache) > 0 for p in paths) == done
        for p in paths:
            append(p, lines_text(range(10, 12)))
        session._rescan()  # reads what grew
        before = [cached_offset(str(p), cache) for p in paths]
        first = min(session._files.tracked.values(), key=lambda t: t.committed_at)
        session._files.commit(budget=0.0)
        after = [cached_offset(str(p), cache) for p in paths]
        moved = [str(p) for p, b, a in zip(paths, before, after, strict=True) if a > b]
        assert moved == [first.follower.path]
        session._files.commit()  # no budget (stopping): every dirty entry
        assert all(cached_offset(str(p), cache) == p.stat().st_size for p in paths)
    finally:
        session.watcher.stop()


_OWNER = """
import sys, time
from pathlib import Path
from analyzer.cache import FileCache
from analyzer.store import frames_from_records
from analyzer.tail import Follower
f = Follower.open(sys.argv[1], run="job", rank=0)
c = FileCache(Path(sys.argv[2]), f)
c.restore()
print("owner" if c.owner else "reader", flush=True)
sys.stdin.readline()
c.add_records(f.read().records)
c.commit()
print("committed", flush=True)
sys.stdin.readline()
"""


def _open(log: Path, root: Path) -> tuple[Follower, FileCache]:
    follower = Follower.open(str(log), run="job", rank=0)
    cache = FileCache(root, follower)
    cache.restore()
    return follower, cache


def test_two_processes_on_one_file_never_write_the_same_entry(tmp_path: Path) -> None:
    """Two sessions on one log (TUI + watch) used to write segments under the same names and
    replace each other's meta: the next open served records twice. One owns it, one reads."""
    import subprocess
    import sys

    log, root = tmp_path / "worker_0.log", tmp_path / "cache"
    append(log, lines_text(range(1, 11)))
    other = subprocess.Popen(
        [sys.executable, "-c", _OWNER, str(log), str(root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parent.parent,
    )
    try:
        assert other.stdout is not None and other.stdin is not None
        assert other.stdout.readline().strip() == "owner"
        follower, mine = _open(log, root)
        assert not mine.owner, "the entry is owned by the other process"
        append(log, lines_text(range(11, 21)))
        mine.add_records(follower.read().records)
        assert not mine.dirty()
        mine.commit()  # a no-op: it does not own the entry
        assert not (root / "v1" / mine.dir.name / "meta.json").exists()
        other.stdin.write("\n")
        other.stdin.flush()
        assert other.stdout.readline().strip() == "committed"
        mine.close()
        follower.close()
        other.stdin.write("\n")
        other.stdin.flush()
    finally:
        other.wait(timeout=30)
    follower, third = _open(log, root)
    assert third.owner, "the other process exited, so its ownership ended"
    assert follower.cursor.offset == log.stat().st_size
    frames = FileCache(root, follower)._read_segments(third.segments)
    assert frames["step"]["step"].to_list() == list(range(1, 21))
    third.close()
    follower.close()


def test_one_process_owns_an_entry_once(tmp_path: Path) -> None:
    log, root = tmp_path / "worker_0.log", tmp_path / "cache"
    append(log, lines_text(range(1, 5)))
    f1, first = _open(log, root)
    f2, second = _open(log, root)
    assert first.owner and not second.owner
    first.close()
    f3, third = _open(log, root)
    assert third.owner, "closing gives the entry up"
    for f in (f1, f2, f3):
        f.close()
    third.close()
