"""`analyzer watch` as a user runs it: a real subprocess, real files, signals, kill -9."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.tail_helpers import append, canon, expected_from_paths, lines_text, wait_until

REPO = Path(__file__).resolve().parents[1]


class Watch:
    """A running `analyzer watch` whose stdout lines are collected by a thread."""

    def __init__(self, args: list[str], cache: Path, prefix: tuple[str, ...] = ()) -> None:
        env = {**os.environ, "XDG_CACHE_HOME": str(cache), "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [*prefix, sys.executable, "-m", "analyzer", "watch", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=REPO,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)

    def records(self) -> list[dict]:
        return [json.loads(line) for line in list(self.lines) if line.endswith("\n")]

    def wait_records(self, expected: list[dict]) -> None:
        want = canon(expected)
        wait_until(lambda: canon(self.records()) == want, what="watch output")

    def finish(self, timeout: float = 20) -> tuple[int, str]:
        rc = self.proc.wait(timeout=timeout)
        self._reader.join(timeout)
        assert self.proc.stderr is not None
        return rc, self.proc.stderr.read()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=20)


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    run = tmp_path / "job"
    run.mkdir()
    append(run / "worker_0.log", lines_text(range(1, 6)))
    append(run / "worker_1.log", lines_text(range(1, 4)))
    return run


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_existing_then_live_records_and_clean_exit(run_dir: Path, tmp_path: Path, sig) -> None:
    w = Watch([str(run_dir)], tmp_path / "cache")
    try:
        w.wait_records(expected_from_paths([run_dir]))
        append(run_dir / "worker_1.log", lines_text(range(4, 9)))
        w.wait_records(expected_from_paths([run_dir]))
        w.proc.send_signal(sig)
        rc, err = w.finish()
    finally:
        w.kill()
    assert rc == 0, err
    assert "Traceback" not in err


def test_output_equals_parse_jsonl(run_dir: Path, tmp_path: Path) -> None:
    parse = subprocess.run(
        [sys.executable, "-m", "analyzer", "parse", str(run_dir), "-q"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
    )
    w = Watch([str(run_dir), "--idle-exit", "0.5", "--no-cache"], tmp_path / "cache")
    rc, err = w.finish()
    assert rc == 0, err
    assert sorted(w.lines) == sorted(parse.stdout.splitlines(keepends=True))
    assert not (tmp_path / "cache").exists()


def test_from_end(run_dir: Path, tmp_path: Path) -> None:
    w = Watch([str(run_dir), "--from-end", "--poll", "0.05"], tmp_path / "cache")
    step = iter(range(6, 10_000))
    log = run_dir / "worker_0.log"

    def appended_and_seen() -> bool:  # the watch may still be starting: keep appending
        append(log, lines_text([next(step)]))
        return bool(w.records())

    try:
        wait_until(appended_and_seen, what="first live record")
        first = min(r["line"] for r in w.records())
        assert first > 5, "records already in the file were skipped"
        w.wait_records([r for r in expected_from_paths([run_dir]) if r["line"] >= first])
        w.proc.terminate()
        assert w.finish()[0] == 0
    finally:
        w.kill()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["/nonexistent/dir/x"], "no such file or directory"),
        (["{run}", "--poll", "0"], "--poll"),
        (["{run}", "--idle-exit", "-1"], "--idle-exit"),
        (["{run}", "--poll", "inf"], "--poll"),  # was a watchdog thread's traceback
        (["{run}", "--poll", "1e-9"], "--poll"),  # was a busy loop at half a core
        (["{run}", "--idle-exit", "inf"], "--idle-exit"),
    ],
)
def test_errors_are_one_line(run_dir: Path, tmp_path: Path, args: list[str], message: str) -> None:
    args = [a.format(run=run_dir) for a in args]
    w = Watch(args, tmp_path / "cache")
    rc, err = w.finish()
    assert rc == 2
    assert err.count("\n") == 1 and message in err and err.startswith("analyzer: error:")


def _without_read_override() -> tuple[str, ...]:
    """As root, chmod 000 does not deny reads: drop CAP_DAC_OVERRIDE/READ_SEARCH with setpriv."""
    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: cannot make a file unreadable")
    drop = "-dac_override,-dac_read_search"
    return (setpriv, f"--bounding-set={drop}", f"--inh-caps={drop}")


def test_permission_denied_on_one_file_is_reported(run_dir: Path, tmp_path: Path) -> None:
    prefix = _without_read_override()
    (run_dir / "worker_1.log").chmod(0o000)
    w = Watch([str(run_dir), "--no-cache", "--poll", "0.05"], tmp_path / "cache", prefix)
    try:
        wait_until(lambda: len(w.records()) == 5 or w.proc.poll() is not None)
        append(run_dir / "worker_0.log", lines_text(range(6, 8)))
        wait_until(lambda: len(w.records()) == 7 or w.proc.poll() is not None)
        w.proc.terminate()
        rc, err = w.finish()
    finally:
        w.kill()
    assert rc == 0, err
    assert {r["source"] for r in w.records()} == {str(run_dir / "worker_0.log")}
    assert "worker_1.log: Permission denied, skipped" in err
    assert err.count("Permission denied") == 1, "reported once"


def test_kill_9_then_restart_gives_exactly_the_records(tmp_path: Path) -> None:
    """Crash consistency: the cache's offsets are committed with the data they cover."""
    run = tmp_path / "job"
    run.mkdir()
    rng = random.Random(7)
    cache = tmp_path / "cache"
    step = {0: 1, 1: 1}
    for _ in range(3):
        w = Watch([str(run), "--poll", "0.05"], cache)
        kill_at = time.monotonic() + rng.uniform(0.5, 3.5)  # a random moment, commits included
        try:
            while time.monotonic() < kill_at:
                rank = rng.randint(0, 1)
                text = lines_text(range(step[rank], step[rank] + 20))
                cut = rng.randint(0, len(text))
                append(run / f"worker_{rank}.log", text[:cut])
                append(run / f"worker_{rank}.log", text[cut:])
                step[rank] += 20
                time.sleep(0.01)  # the writer's pace, not a wait
        finally:
            w.proc.send_signal(signal.SIGKILL)
            w.kill()
    w = Watch([str(run), "--idle-exit", "1"], cache)
    rc, err = w.finish(timeout=60)
    assert rc == 0, err
    records = w.records()
    assert len(records) == len({(r["source"], r["line"], r["kind"]) for r in records}), "twice"
    assert canon(records) == canon(expected_from_paths([run]))


def test_exits_when_its_reader_is_gone_even_if_the_run_is_quiet(run_dir: Path) -> None:
    """`analyzer watch DIR | head -3` used to wait for the next record to notice head had
    exited: on a quiet run, forever."""
    watch = subprocess.Popen(
        [sys.executable, "-m", "analyzer", "watch", str(run_dir), "--no-cache"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=REPO,
    )
    try:
        assert watch.stdout is not None
        assert watch.stdout.readline(), "the existing records come first"
        watch.stdout.close()  # the reader goes away; nothing new is written to the run
        assert watch.wait(timeout=30) == 0
    finally:
        watch.kill()


def test_a_directory_with_no_logs_yet_is_said(tmp_path: Path) -> None:
    empty = tmp_path / "runs"
    empty.mkdir()
    w = Watch([str(empty), "--idle-exit", "0.5"], tmp_path / "cache")
    rc, err = w.finish()
    assert rc == 0 and "no training logs under" in err and "waiting" in err


def test_a_relative_path_names_sources_as_parse_does(run_dir: Path, tmp_path: Path) -> None:
    """`watch` named files by absolute path and `parse` as given: the same records differed."""
    rel = os.path.relpath(run_dir, REPO) + "/"
    parse = subprocess.run(
        [sys.executable, "-m", "analyzer", "parse", rel, "-q", "--no-cache"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
    )
    w = Watch([rel, "--idle-exit", "0.5", "--no-cache"], tmp_path / "cache")
    assert w.finish()[0] == 0
    assert w.lines == parse.stdout.splitlines(keepends=True)
    assert all(not json.loads(line)["source"].startswith("/") for line in w.lines)
