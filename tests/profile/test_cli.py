"""`analyzer profile` as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from tests.profile.conftest import FIXTURE_RUN, profile_cli


def test_table_speaks_msprof_vocabulary() -> None:
    out = profile_cli(str(FIXTURE_RUN))
    assert out.returncode == 0, out.stderr
    for word in (
        "Computing",
        "Comm(Not Overlapped)",
        "Free",
        "Bubble",
        "Slow ranks",
        "rank 3",
        "Top operators",
        "HCCS",
        "Slowest links",
        "peak allocated MB",
    ):
        assert word in out.stdout


def test_json_and_csv(tmp_path: Path) -> None:
    out = profile_cli(str(FIXTURE_RUN), "--format", "json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["slow_ranks"][0]["rank"] == 3 and data["top_operators"]
    target = tmp_path / "ranks.csv"
    assert profile_cli(str(FIXTURE_RUN), "--format", "csv", "-o", str(target)).returncode == 0
    df = pl.read_csv(target)
    assert df.height == 8 and "communication_not_overlapped_us" in df.columns
    again = profile_cli(str(FIXTURE_RUN), "--format", "csv", "-o", str(target))
    assert again.returncode == 2 and "--force" in again.stderr
    assert (
        profile_cli(str(FIXTURE_RUN), "--format", "csv", "-o", str(target), "--force").returncode
        == 0
    )


def test_bad_input_is_one_line_exit_2(tmp_path: Path) -> None:
    out = profile_cli(str(tmp_path / "missing"))
    assert out.returncode == 2
    assert out.stderr.startswith("analyzer: error:") and len(out.stderr.splitlines()) == 1
    empty = profile_cli(str(tmp_path))
    assert empty.returncode == 2 and "no profiler output" in empty.stderr


def test_csv_without_step_or_operator_data_writes_a_header_and_says_so(tmp_path: Path) -> None:
    out_dir = tmp_path / "r0_ascend_pt" / "ASCEND_PROFILER_OUTPUT"
    out_dir.mkdir(parents=True)
    (out_dir / "memory_record.csv").write_text(
        "Component,Timestamp(us),Total Allocated(MB),Total Reserved(MB)\nPTA,1,5,6\n"
    )
    out = profile_cli(str(tmp_path), "--format", "csv")
    assert out.returncode == 0
    header = out.stdout.splitlines()
    assert len(header) == 1 and header[0].startswith("run,rank,step,")
    assert "computing_us" in header[0] and "header only" in out.stderr


def test_csv_of_operator_types_only(tmp_path: Path) -> None:
    out_dir = tmp_path / "r0_ascend_pt" / "ASCEND_PROFILER_OUTPUT"
    out_dir.mkdir(parents=True)
    (out_dir / "op_statistic.csv").write_text(
        "OP Type,Core Type,Count,Total Time(us)\nMatMulV3,AI_CORE,2,1000.0\n"
        "hcom_allReduce_,HCCL,1,500.0\n"
    )
    out = profile_cli(str(tmp_path), "--format", "csv")
    assert out.returncode == 0 and "operator types" in out.stderr
    df = pl.read_csv(out.stdout.encode())
    assert df["type"].to_list() == ["MatMulV3", "hcom_allReduce_"]
    assert df["is_communication"].to_list() == [False, True]
