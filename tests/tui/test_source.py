"""The TUI's data source: frames at once; the core's checks later, off the tail thread."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from analyzer.tui.snapshot import Snapshot
from analyzer.tui.source import DataSource
from tests.tail_helpers import wait_until
from tests.tui.conftest import run_lines


def _core_step(got: list[Snapshot]) -> int | None:
    return got[-1].core_rows.get("job", {}).get("last_step") if got else None


def test_core_numbers_catch_up_with_the_last_batch_off_the_tail_thread(tmp_path: Path) -> None:
    pytest.importorskip("analyzer.live")
    run = tmp_path / "job"
    run.mkdir()
    log = run / "worker_0.log"
    log.write_text(run_lines(range(1, 6), 20, 1000.0, 100.0))
    got: list[Snapshot] = []
    core_threads: list[str] = []
    src = DataSource([str(tmp_path)], got.append)
    run_core = src._run_core

    def spy(runs: dict[str, Any], *, force: bool) -> None:  # the real checks, thread noted
        core_threads.append(threading.current_thread().name)
        run_core(runs, force=force)

    src._run_core = spy  # type: ignore[method-assign]
    src.start()
    try:
        wait_until(lambda: _core_step(got) == 5, what="the core's numbers")
        with log.open("a") as fh:  # one batch, and nothing after it
            fh.write(run_lines(range(6, 11), 20, 1000.0, 100.0))
        wait_until(lambda: _core_step(got) == 10, what="the core catching up")
    finally:
        src.stop()
    assert core_threads and "analyzer-tail" not in core_threads
