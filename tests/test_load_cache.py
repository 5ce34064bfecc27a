"""One-shot loading through the parse cache: the same frames as a fresh parse, hit or miss.

Real files, the real cache under a per-test ``$XDG_CACHE_HOME`` (conftest), the real CLI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from analyzer.cache_load import load_file
from analyzer.fastparse import merge_frames, parse_file_fast, parse_range
from analyzer.load import load_paths, parse_file
from analyzer.store import frames_from_records
from parsers import KINDS, FileParser
from tests.conftest import REAL_LOGS, REPO
from tests.tail_helpers import wait_until

SAMPLES = REPO / "sample_logs" / "qwen25_7b_strategies"


def _frames(datas) -> dict[tuple[str, str], object]:
    return {(d.run.name, k): d.frame(k) for d in datas for k in KINDS}


def _assert_same(got: dict, want: dict) -> None:
    assert got.keys() == want.keys()
    for key, frame in want.items():
        assert got[key].equals(frame), key
        assert got[key].schema == frame.schema, key


def _log_files() -> list[Path]:
    """Sample and real rank logs of several families (multi-line records among them)."""
    files = sorted(SAMPLES.rglob("*.log"))[:3]
    if REAL_LOGS.is_dir():
        files += sorted(REAL_LOGS.rglob("*.log"))
    return [f for f in files if f.stat().st_size > 0]


def test_cold_and_hit_give_the_frames_of_a_fresh_parse() -> None:
    fresh = _frames(load_paths([SAMPLES], use_cache=False))
    _assert_same(_frames(load_paths([SAMPLES])), fresh)  # miss: parsed, cache written
    _assert_same(_frames(load_paths([SAMPLES])), fresh)  # hit: read back


def test_a_hit_parses_no_line() -> None:
    path = str(sorted(SAMPLES.rglob("*.log"))[0])
    cold = load_file(path, "r", 0)
    assert cold.parsed_lines == cold.stats.lines > 0
    hit = load_file(path, "r", 0)
    assert hit.parsed_lines == 0
    assert hit.stats == cold.stats
    for kind in KINDS:
        assert hit.frames[kind].equals(cold.frames[kind]), kind


@pytest.mark.parametrize("cut", [0.13, 0.5, 0.87])
def test_a_prefix_hit_parses_only_the_new_lines(tmp_path: Path, cut: float) -> None:
    for src in _log_files():
        data = src.read_bytes()
        at = data.rfind(b"\n", 0, int(len(data) * cut)) + 1
        path = tmp_path / src.name
        path.write_bytes(data[:at])
        load_file(str(path), "r", 3)
        with open(path, "ab") as fh:
            fh.write(data[at:])
        got = load_file(str(path), "r", 3)
        assert got.parsed_lines == data[at:].count(b"\n")
        want = parse_file(path, "r", 3)  # the line path
        want_frames = frames_from_records(want.records)
        assert got.stats == want.stats, src
        for kind in KINDS:
            assert got.frames[kind].equals(want_frames[kind]), (src, kind)
        path.unlink()


def test_a_rewritten_file_is_parsed_again(tmp_path: Path) -> None:
    src = sorted(SAMPLES.rglob("*.log"))[0]
    path = tmp_path / "rank_0.log"
    shutil.copy(src, path)
    load_file(str(path), "r", 0)
    text = path.read_bytes()
    path.write_bytes(b"#" + text[1:])  # same size, rewritten in place
    got = load_file(str(path), "r", 0)
    assert got.parsed_lines == text.count(b"\n")
    want = parse_file_fast(str(path), "r", 0)
    for kind in KINDS:
        assert got.frames[kind].equals(want.frames[kind]), kind


def test_kinds_keeps_only_the_kinds_asked_for() -> None:
    datas = load_paths([SAMPLES], kinds=["step"])
    fresh = load_paths([SAMPLES], use_cache=False)
    for d, f in zip(datas, fresh, strict=True):
        assert d.frame("step").equals(f.frame("step"))
        assert d.frame("event").height == 0
        assert d.stats == f.stats


def test_parse_range_in_pieces_equals_one_parse() -> None:
    """The seam the live catch-up uses: resumed reads continue the parser exactly."""
    for src in _log_files():
        whole = parse_file_fast(str(src), "r", 1, chunk=4096)
        fp = FileParser(source=str(src), run="r", rank=1)
        parts, offset, lineno = [], 0, 0
        fd = os.open(src, os.O_RDONLY)
        try:
            while True:
                got = parse_range(fd, fp, offset=offset, lineno=lineno, limit=5000, chunk=2048)
                parts.append(got.frames)
                offset, lineno = got.offset, lineno + got.lines
                if not got.more:
                    break
        finally:
            os.close(fd)
        parts.append(frames_from_records(fp.flush()))
        joined = merge_frames(parts)
        for kind in KINDS:
            assert joined[kind].equals(whole.frames[kind]), (src, kind)


def _parse_jsonl(args: list[str]) -> tuple[bytes, str]:
    proc = subprocess.run(
        [sys.executable, "-m", "analyzer", "parse", str(SAMPLES), "--format", "jsonl", *args],
        capture_output=True,
        check=True,
        cwd=REPO,
    )
    return proc.stdout, proc.stderr.decode()


def test_parse_output_is_byte_identical_with_and_without_the_cache() -> None:
    plain, _ = _parse_jsonl(["--no-cache"])
    cold, _ = _parse_jsonl([])
    warm, _ = _parse_jsonl([])
    assert plain == cold == warm
    assert plain.count(b"\n") > 100


def test_no_cache_writes_no_cache() -> None:
    _parse_jsonl(["--no-cache"])
    root = Path(os.environ["XDG_CACHE_HOME"]) / "analyzer"
    assert not root.exists() or not any(root.rglob("meta.json"))


def test_a_path_spelled_anew_gets_its_own_source_names() -> None:
    rel = str(SAMPLES.relative_to(REPO))
    base = [sys.executable, "-m", "analyzer", "parse", "--format", "jsonl"]
    relative = subprocess.run([*base, rel], capture_output=True, check=True, cwd=REPO).stdout
    cmd = [*base, str(SAMPLES)]  # the same files, spelled absolute: the same cache entries
    cached = subprocess.run(cmd, capture_output=True, check=True, cwd="/")
    plain = subprocess.run([*cmd, "--no-cache"], capture_output=True, check=True, cwd="/")
    assert cached.stdout == plain.stdout != relative


def test_kill_9_at_any_moment_leaves_a_usable_cache(tmp_path: Path) -> None:
    """Killed during parse + cache write, again and again, with the file growing in between:
    every next parse prints exactly what a parse without the cache prints."""
    run = tmp_path / "job"
    run.mkdir()
    log = run / "worker_0.log"
    body = b"".join(f.read_bytes() for f in _log_files())
    root = Path(os.environ["XDG_CACHE_HOME"]) / "analyzer"
    cmd = [sys.executable, "-m", "analyzer", "parse", str(run), "--format", "jsonl", "-q"]
    for round_ in range(3):
        with open(log, "ab") as fh:
            fh.write(body * (80 if round_ == 0 else 10))
        before = {p: p.stat().st_mtime_ns for p in root.rglob("*")} if root.exists() else {}
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, cwd=REPO)

        def started(proc: subprocess.Popen = proc, before: dict = before) -> bool:
            if proc.poll() is not None or not root.exists():
                return proc.poll() is not None
            return any(before.get(p) != p.stat().st_mtime_ns for p in root.rglob("*"))

        wait_until(started, what="cache writing")
        proc.kill()
        proc.wait()
        want = subprocess.run([*cmd, "--no-cache"], capture_output=True, check=True, cwd=REPO)
        got = subprocess.run(cmd, capture_output=True, check=True, cwd=REPO)
        assert got.stdout == want.stdout


@pytest.fixture(autouse=True)
def _always_bulk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small files normally go line by line; here the bulk path must run on every corpus file."""
    import analyzer.fastparse

    monkeypatch.setattr(analyzer.fastparse, "SMALL_RANGE", -1)
    import analyzer.cache_load

    monkeypatch.setattr(analyzer.cache_load, "CACHE_MIN_BYTES", 0)
