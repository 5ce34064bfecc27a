"""Several profiled runs under one path: each is summarised on its own (never merged)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest

from analyzer.profile import profile_paths
from tests.profile.conftest import FIXTURE_RUN, profile_cli

RANK3 = "prof/node0_31003_20250109101010123_ascend_pt/ASCEND_PROFILER_OUTPUT/step_trace_time.csv"


@pytest.fixture
def two_runs(tmp_path: Path) -> Path:
    """group/a and group/b: copies of the PP2 run; b's rank 3 computes 300 ms in step 5."""
    group = tmp_path / "group"
    for name in ("a", "b"):
        shutil.copytree(FIXTURE_RUN, group / name)
    csv = group / "b" / RANK3
    csv.write_text(csv.read_text().replace("5,150000.0,", "5,300000.0,"))
    return group


def _computing(report, run: str, rank: int, step: int) -> float:  # type: ignore[no-untyped-def]
    s = next(r for r in report.runs if r.run == run)
    row = s.ranks.filter((pl.col("rank") == rank) & (pl.col("step") == step))
    assert row.height == 1
    return float(row["computing_us"][0])


def test_two_runs_are_summarised_apart(two_runs: Path) -> None:
    report = profile_paths([two_runs])
    assert [r.run for r in report.runs] == ["a", "b"]
    assert _computing(report, "a", 3, 5) == 150_000.0
    assert _computing(report, "b", 3, 5) == 300_000.0
    for s in report.runs:
        assert s.ranks.height == 8 and s.path.endswith(s.run)
        top = s.top_operators.row(0, named=True)
        assert top["name"] == "hcom_allReduce__123_0_1" and top["count"] == 8  # not doubled
        assert len(s.files) == 40


def test_two_profiler_roots_without_run_dirs(tmp_path: Path) -> None:
    """Profiler directories of two jobs (no logs beside them) are two runs, named apart."""
    for name in ("x", "y"):
        shutil.copytree(FIXTURE_RUN / "prof", tmp_path / name / "prof")
    report = profile_paths([tmp_path])
    assert sorted(r.run for r in report.runs) == ["x/prof", "y/prof"]


def test_table_json_csv_per_run(two_runs: Path, tmp_path: Path) -> None:
    table = profile_cli(str(two_runs))
    assert table.returncode == 0, table.stderr
    assert "== Run a:" in table.stdout and "== Run b:" in table.stdout
    assert "300.0 (" in table.stdout.split("== Run b:")[1]

    data = json.loads(profile_cli(str(two_runs), "--format", "json").stdout)
    assert [r["run"] for r in data["runs"]] == ["a", "b"]
    assert len(data["ranks"]) == 16
    b3 = [r for r in data["ranks"] if (r["run"], r["rank"], r["step"]) == ("b", 3, 5)]
    assert b3[0]["computing_us"] == 300_000.0
    assert {r["run"] for r in data["slow_ranks"]} == {"a", "b"}
    assert {r["run"] for r in data["top_operators"]} == {"a", "b"}

    out = profile_cli(str(two_runs), "--format", "csv")
    df = pl.read_csv(out.stdout.encode())
    assert df.columns[0] == "run" and df.height == 16
    assert df.filter((pl.col("run") == "b") & (pl.col("rank") == 3) & (pl.col("step") == 5))[
        "computing_us"
    ].to_list() == [300_000.0]


def test_top_limits_json_operators() -> None:
    full = json.loads(profile_cli(str(FIXTURE_RUN), "--format", "json").stdout)
    assert len(full["top_operators"]) == 5  # all of them (fewer than the default 50)
    two = json.loads(profile_cli(str(FIXTURE_RUN), "--format", "json", "--top", "2").stdout)
    assert len(two["top_operators"]) == 2 and len(two["top_operator_types"]) == 2
    assert two["top_operators"] == full["top_operators"][:2]
