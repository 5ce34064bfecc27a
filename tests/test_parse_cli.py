"""`analyzer parse` to files: csv and Parquet are streamed from spilled parts, same records."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import analyzer.load
from analyzer.cli import main
from analyzer.commands.parse import combined_frames
from analyzer.commands.parse_stream import SCRATCH_PREFIX
from analyzer.jsonl import dumps
from analyzer.load import Spill, load_paths
from analyzer.output import frame_file_name, merged_records
from parsers import KINDS

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "sample_logs"


def _in_memory(paths: list[Path]) -> dict[str, pl.DataFrame]:
    return combined_frames(load_paths(paths, use_cache=False), list(KINDS))


def _leftovers(parent: Path) -> list[str]:
    return [p.name for p in parent.iterdir() if p.name.startswith(".analyzer-parse-")]


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_streamed_files_hold_the_in_memory_frames(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / "frames"
    assert main(["parse", str(SAMPLES), "--format", fmt, "-o", str(out), "-q", "--no-cache"]) == 0
    want = _in_memory([SAMPLES])
    for kind in KINDS:
        path = out / frame_file_name(kind, fmt)
        if fmt == "parquet":
            got = pl.read_parquet(path)
        else:
            got = pl.read_csv(path, schema=want[kind].schema)
        assert_frame_equal(got, want[kind])
    assert _leftovers(tmp_path) == []


def test_parallel_workers_spill_and_keep_file_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers write the parts (the pool runs however small the input); order is file order."""
    monkeypatch.setattr(analyzer.load, "PARALLEL_MIN_BYTES", 0)
    out = tmp_path / "steps.parquet"
    argv = ["parse", str(SAMPLES), "--kind", "steps", "--format", "parquet", "-o", str(out), "-q"]
    assert main([*argv, "--no-cache"]) == 0
    assert_frame_equal(pl.read_parquet(out), _in_memory([SAMPLES])["step"])
    assert _leftovers(tmp_path) == []


def test_spilled_load_scans_what_memory_holds(tmp_path: Path) -> None:
    spilled = load_paths([SAMPLES], use_cache=False, spill=Spill(tmp_path), workers=2)
    held = load_paths([SAMPLES], use_cache=False)
    assert any(a.spilled["step"] for a in spilled)
    for a, b in zip(spilled, held, strict=True):
        assert not a._parts["step"]  # nothing held in memory
        for kind in KINDS:
            assert_frame_equal(a.scan(kind).collect(), b.frame(kind))
            assert_frame_equal(a.frame(kind), b.frame(kind))  # read in on first use


def test_existing_output_is_kept_and_scratch_removed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "steps.csv"
    out.write_text("mine\n")
    argv = ["parse", str(SAMPLES), "--kind", "steps", "--format", "csv", "-o", str(out)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "exists; pass --force" in err and len(err.strip().splitlines()) == 1
    assert out.read_text() == "mine\n" and _leftovers(tmp_path) == []
    (tmp_path / "frames").mkdir()
    (tmp_path / "frames" / "timers.csv").write_text("mine\n")
    everything = ["parse", str(SAMPLES), "--format", "csv", "-o", str(tmp_path / "frames")]
    assert main(everything) == 2  # refused before parsing: no steps.csv written either
    assert sorted(p.name for p in (tmp_path / "frames").iterdir()) == ["timers.csv"]
    assert main([*argv, "--force", "-q"]) == 0
    assert out.read_text().startswith("run,rank,source")


def test_missing_output_directory_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "nowhere" / "steps.parquet"
    argv = ["parse", str(SAMPLES), "--kind", "steps", "--format", "parquet", "-o", str(out)]
    assert main(argv) == 2
    assert "no such directory" in capsys.readouterr().err


def _expected_jsonl(paths: list[Path], kinds: list[str]) -> str:
    frames = combined_frames(load_paths(paths, use_cache=False), kinds)
    return "".join(dumps(rec) + "\n" for rec in merged_records(frames))


@pytest.mark.parametrize("kind", ["all", "steps", "events"])
def test_streamed_jsonl_is_the_merged_records(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
) -> None:
    """Parts written per file by the workers, joined by (run, source): the same bytes as one
    sorted list of every record; nothing left in $TMPDIR."""
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    monkeypatch.setattr(analyzer.load, "PARALLEL_MIN_BYTES", 0)
    paths = [SAMPLES, REPO / "tests" / "fixtures"]
    assert main(["parse", *map(str, paths), "--kind", kind, "-q", "--no-cache"]) == 0
    kinds = list(KINDS) if kind == "all" else [{"steps": "step", "events": "event"}[kind]]
    assert capsys.readouterr().out == _expected_jsonl(paths, kinds)
    assert _leftovers(tmp_path) == []


def test_jsonl_to_a_file_is_atomic_and_complete(tmp_path: Path) -> None:
    out = tmp_path / "records.jsonl"
    assert main(["parse", str(SAMPLES), "-o", str(out), "-q"]) == 0
    assert out.read_text(encoding="utf-8") == _expected_jsonl([SAMPLES], list(KINDS))
    assert _leftovers(tmp_path) == []


def test_a_killed_parse_leaves_no_scratch_behind_for_long(tmp_path: Path) -> None:
    """A parse killed with -9 cannot clean up; the next parse writing there does."""
    dead = subprocess.Popen(["true"])
    dead.wait()
    orphan = tmp_path / f"{SCRATCH_PREFIX}{dead.pid}-abc"
    orphan.mkdir()
    (orphan / "000001.jsonl").write_text("{}\n")
    mine = tmp_path / f"{SCRATCH_PREFIX}{os.getpid()}-abc"  # a live process's: kept
    mine.mkdir()
    out = tmp_path / "steps.parquet"
    argv = ["parse", str(SAMPLES), "--kind", "steps", "--format", "parquet", "-o", str(out), "-q"]
    assert main(argv) == 0
    assert not orphan.exists() and mine.exists()
