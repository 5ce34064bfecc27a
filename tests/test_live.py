"""LiveSession with real files and real observers (inotify and polling): nothing lost, nothing twice."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.errors import InputError
from analyzer.live import LiveSession
from tests.tail_helpers import (
    Collector,
    append,
    canon,
    expected_from_bytes,
    expected_from_paths,
    lines_text,
    wait_until,
    without_truncations,
)

OBSERVERS = [pytest.param(None, id="inotify"), pytest.param(0.05, id="polling")]


@pytest.fixture(params=OBSERVERS)
def poll(request: pytest.FixtureRequest) -> float | None:
    return request.param


class Live:
    """A started session plus its collector; stopped by the fixture."""

    def __init__(self, paths: list[Path], poll: float | None, cache: Path, **kw: object) -> None:
        self.collector = Collector()
        self.session = LiveSession(
            paths, poll=poll, cache_dir=cache, rescan_interval=0.3, batch_interval=0.0, **kw
        )
        self.session.start(self.collector)

    def wait_records(self, expected: list[dict], what: str = "records") -> None:
        want = canon(expected)
        try:
            wait_until(lambda: canon(self.collector.snapshot()) == want, what=what)
        except AssertionError as exc:  # say what differs, for a failure seen once in a while
            got = canon(self.collector.snapshot())
            missing = [w[:300] for w in want if w not in got][:2]
            extra = [g[:300] for g in got if g not in want][:2]
            state = f"runs {list(self.session.runs)}, following {self.session.watched_paths()}"
            raise AssertionError(f"{exc}; missing {missing}; extra {extra}; {state}") from None


@pytest.fixture
def live(tmp_path: Path, poll: float | None) -> Iterator:
    sessions: list[Live] = []

    def make(*paths: Path, **kw: object) -> Live:
        s = Live(list(paths), poll, tmp_path / "cache", **kw)
        sessions.append(s)
        return s

    yield make
    for s in sessions:
        s.session.stop()
        assert s.session.error is None


def _run_dir(tmp_path: Path, name: str = "job") -> Path:
    d = tmp_path / name
    d.mkdir()
    return d


def test_existing_then_appended_records_equal_parse(tmp_path: Path, live) -> None:
    run = _run_dir(tmp_path)
    w0, w1 = run / "worker_0.log", run / "worker_1.log"
    append(w0, lines_text(range(1, 4)))
    append(w1, lines_text(range(1, 3)))
    s = live(run)
    s.wait_records(expected_from_paths([run]), "existing records")
    append(w0, lines_text(range(4, 8)))
    append(w1, lines_text(range(3, 5))[:50])  # a partial line waits for its newline
    s.wait_records(expected_from_paths([run]), "appended records")
    append(w1, lines_text(range(3, 5))[50:])
    s.wait_records(expected_from_paths([run]), "completed partial line")
    data = s.session.runs["job"]
    assert data.steps.height == 11
    assert {"job"} == set(s.session.runs)


def test_rotation_reads_old_inode_to_end_then_new_file(tmp_path: Path, live) -> None:
    run = _run_dir(tmp_path)
    w0 = run / "worker_0.log"
    append(w0, lines_text(range(1, 4)))
    s = live(run)
    s.wait_records(expected_from_paths([run]))
    append(w0, lines_text(range(4, 6)))  # written just before the rotation
    old = w0.read_bytes()
    os.rename(w0, run / "worker_0.log.1")
    append(w0, lines_text(range(6, 9)))
    expected = expected_from_bytes(old, source=str(w0), run="job", rank=0)
    expected += expected_from_paths([run])
    s.wait_records(expected, "both inodes")


def test_copytruncate(tmp_path: Path, live) -> None:
    run = _run_dir(tmp_path)
    w0 = run / "worker_0.log"
    append(w0, lines_text(range(1, 6)))
    s = live(run)
    first = expected_from_paths([run])
    s.wait_records(first)
    shutil.copy(w0, run / "worker_0.log.1")
    os.truncate(w0, 0)
    append(w0, lines_text(range(6, 8)))
    want = canon(first + expected_from_paths([run]))
    wait_until(lambda: canon(without_truncations(s.collector.snapshot())) == want)
    assert s.collector.count(lambda r: r.get("type") == "log_truncated") == 1


def test_truncate_and_rewrite_longer(tmp_path: Path, live) -> None:
    run = _run_dir(tmp_path)
    w0 = run / "worker_0.log"
    append(w0, lines_text(range(1, 3)))
    s = live(run)
    first = expected_from_paths([run])
    s.wait_records(first)
    with open(w0, "w") as fh:
        fh.write(lines_text(range(1, 10), tag=5))
    wait_until(lambda: s.collector.count(lambda r: r.get("type") == "log_truncated") == 1)
    want = canon(first + expected_from_paths([run]))
    wait_until(lambda: canon(without_truncations(s.collector.snapshot())) == want)


def test_late_directories_and_files_are_picked_up(tmp_path: Path, live) -> None:
    group = _run_dir(tmp_path, "runs")
    waiting = tmp_path / "runs2" / "later"  # parent missing: refused
    with pytest.raises(InputError):
        LiveSession([waiting])
    pending = group / "not_yet"  # parent exists: waited for
    s = live(group, pending)
    log_dir = group / "tp2pp4" / "msrun_log"
    log_dir.mkdir(parents=True)
    append(log_dir / "worker_0.log", lines_text(range(1, 3)))
    s.wait_records(expected_from_paths([group]), "new run directory")
    append(log_dir / "worker_1.log", lines_text(range(1, 4)))
    s.wait_records(expected_from_paths([group]), "late rank")
    pending.mkdir()
    append(pending / "worker_0.log", lines_text(range(1, 2)))
    s.wait_records(expected_from_paths([group]), "path created after start")
    assert len(s.session.runs) == 2


def test_deleted_file_is_closed_and_others_go_on(tmp_path: Path, live) -> None:
    run = _run_dir(tmp_path)
    w0, w1 = run / "worker_0.log", run / "worker_1.log"
    append(w0, lines_text(range(1, 3)))
    append(w1, lines_text(range(1, 3)))
    s = live(run)
    before = expected_from_paths([run])
    s.wait_records(before)
    w1.unlink()
    wait_until(lambda: str(w1) not in s.session.watched_paths(), what="deleted file closed")
    append(w0, lines_text(range(3, 5)))
    s.wait_records(before + [r for r in expected_from_paths([run]) if r["line"] > 2])


def test_file_replaced_by_directory(tmp_path: Path, live) -> None:
    run = _run_dir(tmp_path)
    w0, w1 = run / "worker_0.log", run / "worker_1.log"
    append(w0, lines_text(range(1, 3)))
    append(w1, lines_text(range(1, 3)))
    s = live(run)
    before = expected_from_paths([run])
    s.wait_records(before)
    w1.unlink()
    w1.mkdir()
    append(w0, lines_text(range(3, 4)))
    s.wait_records(before + [r for r in expected_from_paths([run]) if r["line"] > 2])
    wait_until(lambda: str(w1) not in s.session.watched_paths())


def test_invalid_utf8_and_store_stats(tmp_path: Path, live) -> None:
    run = _run_dir(tmp_path)
    w0 = run / "worker_0.log"
    append(w0, b"\xff\xfe\n" + lines_text(range(1, 3)).encode())
    s = live(run)
    s.wait_records(expected_from_paths([run]))
    wait_until(lambda: s.session.runs["job"].stats.decode_errors == 1)
    assert s.session.runs["job"].stats.lines == 3


def test_from_end_skips_existing_records(tmp_path: Path, live) -> None:
    run = _run_dir(tmp_path)
    w0 = run / "worker_0.log"
    append(w0, lines_text(range(1, 4)))
    s = live(run, from_end=True)
    wait_until(lambda: str(w0) in s.session.watched_paths())
    append(w0, lines_text(range(4, 6)))
    s.wait_records(expected_from_paths([run])[3:])


# -- the property: whatever the schedule, the session emits exactly what parse finds -------------

_OPS = st.one_of(
    st.tuples(st.just("append"), st.integers(0, 2), st.integers(1, 5), st.integers(0, 100)),
    st.tuples(st.just("rotate"), st.integers(0, 2)),
    st.tuples(st.just("truncate"), st.integers(0, 2)),
)


class _Model:
    """What was written to each file, generation by generation (an inode's lifetime)."""

    def __init__(self, run: Path, n: int) -> None:
        self.run = run
        self.paths = [run / f"worker_{i}.log" for i in range(n)]
        self.written = [b""] * n
        self.queue = [""] * n
        self.step = [1] * n
        self.gen = [0] * n
        self.done: list[tuple[int, bytes]] = []
        self.rotations = 0
        for p in self.paths:
            p.touch()

    def expected(self) -> list[dict]:
        gens = [*self.done, *enumerate(self.written)]
        out: list[dict] = []
        for i, data in gens:
            out += expected_from_bytes(data, source=str(self.paths[i]), run="job", rank=i)
        return out

    def append(self, i: int, n: int, percent: int) -> None:
        self.queue[i] += lines_text(range(self.step[i], self.step[i] + n), tag=self.gen[i])
        self.step[i] += n
        cut = len(self.queue[i]) * percent // 100
        data = self.queue[i][:cut].encode()
        self.queue[i] = self.queue[i][cut:]
        append(self.paths[i], data)
        self.written[i] += data

    def end_generation(self, i: int) -> None:
        self.done.append((i, self.written[i]))
        self.written[i], self.queue[i] = b"", ""
        self.step[i], self.gen[i] = 1, self.gen[i] + 1


def _caught_up(live_: Live, model: _Model) -> None:
    want = canon(model.expected())
    wait_until(lambda: canon(without_truncations(live_.collector.snapshot())) == want)


@pytest.mark.parametrize("observer", OBSERVERS)
@settings(
    max_examples=int(os.environ.get("TAIL_EXAMPLES", "10")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@given(schedule=st.lists(_OPS, min_size=1, max_size=10))
def test_random_schedule_equals_parse(observer: float | None, schedule: list[tuple]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp) / "job"
        run.mkdir()
        model = _Model(run, 3)
        s = Live([run], observer, Path(tmp) / "cache")
        try:
            for op in schedule:
                i = op[1]
                if op[0] == "append":
                    model.append(i, op[2], op[3])
                    continue
                if observer is not None:  # polling misses a generation made and renamed
                    # away between two polls (inotify reports the rename: not missed)
                    wait_until(lambda i=i: s.session.is_following(model.paths[i]))
                if op[0] == "rotate":
                    model.rotations += 1
                    os.rename(model.paths[i], f"{model.paths[i]}.{model.rotations}")
                    model.paths[i].touch()
                else:  # truncate: what was not read yet is lost for real, so catch up first
                    _caught_up(s, model)
                    os.truncate(model.paths[i], 0)
                model.end_generation(i)
            _caught_up(s, model)
        finally:
            s.session.stop()
        assert s.session.error is None
        got = s.collector.snapshot()
        assert canon(without_truncations(got)) == canon(model.expected())
        truncations = sum(1 for op in schedule if op[0] == "truncate")
        assert sum(1 for r in got if r.get("type") == "log_truncated") <= truncations


def test_writes_to_files_that_are_not_logs_cause_no_rediscovery(tmp_path: Path, poll) -> None:
    """Training writes tensorboard events, checkpoints and its console next to the logs; each
    write used to rescan the whole tree (84% of a core for 100 runs at 20 writes a second)."""
    run = tmp_path / "job"
    (run / "msrun_log").mkdir(parents=True)
    log = run / "msrun_log" / "worker_0.log"
    append(log, lines_text([1]))
    (run / "tb").mkdir()
    events, console = run / "tb" / "events.out.tfevents.1", run / "console.log"
    append(events, b"")
    append(console, "")
    collector = Collector()
    session = LiveSession(
        [run], poll=poll, cache_dir=tmp_path / "cache", rescan_interval=600, batch_interval=0.0
    )
    session.start(collector)
    try:
        wait_until(lambda: len(collector.snapshot()) == 1, what="the first record")
        before = session.discoveries
        for step in range(2, 32):
            append(events, b"x" * 100)
            append(console, "msrun: worker 0 is running\n")
            append(log, lines_text([step]))
        want = canon(expected_from_paths([run]))
        wait_until(lambda: canon(collector.snapshot()) == want, what="every step")
        # The first write to console.log asks for one; a second write arriving while that
        # discovery runs may ask once more. None after: it is known to be no rank's log.
        assert session.discoveries - before <= 2
    finally:
        session.stop()
    assert session.error is None


def test_a_session_that_keeps_no_frames_still_delivers_every_record(tmp_path: Path) -> None:
    """`watch` prints each batch; keeping every printed record too grew its memory without
    bound (243 MB after a 10 s flood)."""
    run = tmp_path / "job"
    (run / "msrun_log").mkdir(parents=True)
    append(run / "msrun_log" / "worker_0.log", lines_text(range(1, 50)))
    collector = Collector()
    session = LiveSession([run], cache_dir=tmp_path / "cache", keep_frames=False)
    session.start(collector)
    try:
        want = canon(expected_from_paths([run]))
        wait_until(lambda: canon(collector.snapshot()) == want, what="every record")
        with session.lock:
            data = session.runs["job"]
            assert data.frame("step").height == 0 and data.stats.lines == 49
    finally:
        session.stop()
    assert session.error is None


def test_network_filesystems_are_told_from_proc_mounts(tmp_path: Path) -> None:
    from analyzer.observer import fs_type, is_network_fs

    mounts = tmp_path / "mounts"
    mounts.write_text(
        "/dev/sda1 / ext4 rw 0 0\n"
        "server:/export /mnt/nfs nfs4 rw 0 0\n"
        "lustre@tcp:/fs /mnt/lustre lustre rw 0 0\n"
        "sshfs#me@host: /mnt/my\\040home fuse.sshfs rw 0 0\n"
    )
    kinds = {
        p: fs_type(p, str(mounts))
        for p in ("/home/x", "/mnt/nfs/run/worker_0.log", "/mnt/lustre", "/mnt/my home/a")
    }
    assert kinds == {
        "/home/x": "ext4",
        "/mnt/nfs/run/worker_0.log": "nfs4",
        "/mnt/lustre": "lustre",
        "/mnt/my home/a": "fuse.sshfs",
    }
    assert [is_network_fs(k) for k in kinds.values()] == [False, True, True, True]


def test_a_generation_rotated_away_before_it_was_opened_is_read(tmp_path: Path) -> None:
    """A log renamed away (rotated) before the session ever opened it was lost: its new name
    (`worker_0.log.2`) is no rank file's. inotify reports the rename, so it is read, named as
    the rank file it was written as."""
    run = tmp_path / "job"
    run.mkdir()
    w0 = run / "worker_0.log"
    append(w0, lines_text(range(1, 4)))
    collector = Collector()
    session = LiveSession(
        [run], cache_dir=tmp_path / "cache", rescan_interval=600, batch_interval=0.0
    )
    session.start(collector)
    try:
        wait_until(lambda: session.is_following(w0))
        first = w0.read_bytes()
        with session._event_lock:  # the session sees none of this until it is all done
            os.rename(w0, f"{w0}.1")
            append(w0, lines_text(range(1, 6), tag=1))
            second = w0.read_bytes()
            os.rename(w0, f"{w0}.2")
            append(w0, lines_text(range(1, 3), tag=2))
        want = []
        for data in (first, second, w0.read_bytes()):
            want += expected_from_bytes(data, source=str(w0), run="job", rank=0)
        wait_until(lambda: canon(collector.snapshot()) == canon(want), what="all generations")
    finally:
        session.stop()
    assert session.error is None
