"""The parse cache stays bounded: dead and stale entries go, then the least recently used."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

import analyzer.cache_load
from analyzer.cache import VERSION, cache_root
from analyzer.cache_load import load_file
from analyzer.cache_prune import RECENT_S, STAMP, maybe_prune, prune
from analyzer.load import load_paths
from tests.tail_helpers import append, lines_text

DAY = 24 * 3600


@pytest.fixture(autouse=True)
def _cache_small_files(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(analyzer.cache_load, "CACHE_MIN_BYTES", 0)


def _cached(tmp_path: Path, name: str, root: Path) -> tuple[Path, Path]:
    """A log parsed through the cache under ``root``: (the log, its entry directory)."""
    log = tmp_path / name
    append(log, lines_text(range(1, 30)))
    before = set((root / f"v{VERSION}").glob("*")) if root.exists() else set()
    load_file(str(log), "job", 0, root=root)
    (entry,) = set((root / f"v{VERSION}").glob("*")) - before
    return log, entry


def _age(entry: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(entry / "meta.json", (then, then))


def test_entries_of_gone_or_replaced_files_are_removed(tmp_path: Path) -> None:
    root = tmp_path / "cache"
    gone, gone_entry = _cached(tmp_path, "a.log", root)
    replaced, replaced_entry = _cached(tmp_path, "b.log", root)
    _kept, kept_entry = _cached(tmp_path, "c.log", root)
    gone.unlink()
    fresh = tmp_path / "b.log.new"  # made while the old exists: surely another inode
    append(fresh, lines_text(range(1, 5)))
    os.replace(fresh, replaced)
    report = prune(root)
    assert report.entries == 2 and report.bytes > 0
    assert not gone_entry.exists() and not replaced_entry.exists() and kept_entry.exists()


def test_entries_of_other_parsers_and_versions_are_removed(tmp_path: Path) -> None:
    root = tmp_path / "cache"
    _log, entry = _cached(tmp_path, "a.log", root)
    meta = json.loads((entry / "meta.json").read_text())
    (entry / "meta.json").write_text(json.dumps({**meta, "fingerprint": "0" * 16}))
    (root / "v0" / "abc").mkdir(parents=True)
    assert prune(root).entries == 2
    assert not entry.exists() and not (root / "v0").exists()


def test_over_the_cap_the_least_recently_used_go_first(tmp_path: Path) -> None:
    root = tmp_path / "cache"
    entries = [_cached(tmp_path, f"{n}.log", root)[1] for n in "abcd"]
    for entry, age in zip(entries, (3 * DAY, DAY, 2 * DAY, 60), strict=True):
        _age(entry, age)
    sizes = [sum(f.stat().st_size for f in e.iterdir()) for e in entries]
    prune(root, cap=sizes[1] + sizes[3])  # room for two
    assert [e.exists() for e in entries] == [False, True, False, True]
    prune(root, cap=0)  # used a minute ago: never evicted
    assert [e.exists() for e in entries] == [False, False, False, True]


def test_a_restore_counts_as_a_use(tmp_path: Path) -> None:
    root = tmp_path / "cache"
    log, entry = _cached(tmp_path, "a.log", root)
    _age(entry, 3 * DAY)
    load_file(str(log), "job", 0, root=root)
    assert time.time() - (entry / "meta.json").stat().st_mtime < RECENT_S


def test_half_written_entries_are_left_while_young(tmp_path: Path) -> None:
    root = tmp_path / "cache"
    young = root / f"v{VERSION}" / "young"
    old = root / f"v{VERSION}" / "old"
    for d in (young, old):
        d.mkdir(parents=True)
        (d / "000001-step.parquet").write_bytes(b"x" * 10)
    then = time.time() - 2 * RECENT_S
    os.utime(old, (then, then))
    assert prune(root).entries == 1
    assert young.exists() and not old.exists()


def test_loading_prunes_at_most_once_a_day(tmp_path: Path) -> None:
    root = cache_root()
    log, entry = _cached(tmp_path, "a.log", root)
    log.unlink()
    (tmp_path / "run").mkdir()
    append(tmp_path / "run" / "worker_0.log", lines_text(range(1, 5)))
    load_paths([tmp_path / "run"])
    assert not entry.exists() and (root / STAMP).exists()
    assert maybe_prune(root) is None  # pruned today already
    assert maybe_prune(root, now=time.time() + DAY + 1) is not None


def test_the_cap_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "cache"
    _log, entry = _cached(tmp_path, "a.log", root)
    _age(entry, 2 * DAY)
    monkeypatch.setenv("ANALYZER_CACHE_MAX_MB", "100")
    assert prune(root).entries == 0
    monkeypatch.setenv("ANALYZER_CACHE_MAX_MB", "0")
    assert prune(root).entries == 1
