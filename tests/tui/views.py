"""A RunView built from step records alone, for tests of what the TUI computes per rank."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from analyzer.discover import RankFile, Run
from analyzer.store import records_to_frame
from analyzer.tui.snapshot import RankFileView, RunView


def steps_view(
    tmp_path: Path, steps: list[dict[str, Any]], files: tuple[RankFileView, ...]
) -> RunView:
    """Run ``r`` in ``tmp_path`` with these step records and rank files, nothing else."""
    empty = {k: records_to_frame(k, []) for k in ("memory", "timer", "event", "config")}
    return RunView(
        name="r",
        path=tmp_path,
        run=Run("r", tmp_path, [RankFile(f.path, f.rank) for f in files]),
        files=files,
        steps=records_to_frame("step", steps),
        memory=empty["memory"],
        timers=empty["timer"],
        events=empty["event"],
        config={},
        config_frame=empty["config"],
        lines=0,
        unrecognised=0,
        notes=(),
    )
