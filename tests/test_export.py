"""`analyzer export`: Parquet per kind plus summary and manifest, readable by polars and DuckDB."""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import polars as pl
import pytest

from analyzer.cli import main
from analyzer.errors import InputError
from analyzer.export import export_runs
from analyzer.load import load_paths

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "sample_logs"
FILES = {"steps", "memory", "timers", "events", "config", "summary"}


def test_export_writes_every_frame(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "frames"
    assert main(["export", str(SAMPLES / "qwen25_7b_strategies"), "-o", str(out)]) == 0
    assert {p.stem for p in out.glob("*.parquet")} == FILES
    steps = pl.read_parquet(out / "steps.parquet")
    assert steps.height == 6 * 50 and steps["run"].n_unique() == 6
    summary = pl.read_parquet(out / "summary.parquet")
    assert sorted(summary["strategy"].to_list())[0] == "TP2PP2+CP2(Ulysses)"
    con = duckdb.connect()
    got = con.execute(
        f"select run, max(mb) from '{out / 'memory.parquet'}' where metric = 'max_reserved' group by run order by run"
    ).fetchall()
    assert dict(got)["tp2pp4"] == 35366.0
    assert con.execute(f"select count(*) from '{out / 'summary.parquet'}'").fetchone() == (6,)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["versions"]["polars"] == pl.__version__
    assert manifest["files"]["steps.parquet"] == 300
    run = next(r for r in manifest["runs"] if r["run"] == "tp2pp4")
    assert len(run["sources"]) == 9
    assert all(s["size"] > 0 and "mtime" in s for s in run["sources"])


def test_export_refuses_to_overwrite_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "frames"
    args = ["export", str(SAMPLES / "qwen25_7b_dryrun"), "-o", str(out)]
    assert main(args) == 0
    before = (out / "manifest.json").read_text()
    assert main(args) == 2
    assert "--force" in capsys.readouterr().err
    assert (out / "manifest.json").read_text() == before
    assert main([*args, "--force"]) == 0
    assert {p.stem for p in out.glob("*.parquet")} == FILES
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp dirs left


def test_export_never_replaces_a_foreign_directory(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    datas = load_paths([SAMPLES / "qwen25_7b_dryrun"])
    with pytest.raises(InputError, match="not an export"):
        export_runs(datas, tmp_path, force=True)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_export_needs_an_output(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["export", str(SAMPLES)])
    assert exc.value.code == 2
    assert "-o/--output" in capsys.readouterr().err


def test_export_directory_mode_follows_umask_and_force_keeps_it(tmp_path: Path) -> None:
    out = tmp_path / "frames"
    args = ["export", str(SAMPLES / "qwen25_7b_dryrun"), "-o", str(out)]
    old = os.umask(0o022)
    try:
        assert main(args) == 0
        assert out.stat().st_mode & 0o777 == 0o755  # mkdir's mode, not mkdtemp's 0700
        assert all(p.stat().st_mode & 0o777 == 0o644 for p in out.iterdir())
        out.chmod(0o750)
        assert main([*args, "--force"]) == 0
        assert out.stat().st_mode & 0o777 == 0o750
    finally:
        os.umask(old)
