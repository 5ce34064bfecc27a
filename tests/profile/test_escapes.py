"""Untrusted text in profiler files (names, link types, groups, paths) never reaches the
terminal as escape sequences or extra lines, nor a spreadsheet as a formula."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from tests.profile.conftest import profile_cli

ESC = "\x1b]0;pwned\x07\x1b[2J"
KERNELS = (
    "Step Id,Name,Type,Accelerator Core,Start Time(us),Duration(us),Wait Time(us)\n"
    f'5,"evil{ESC}op\nsecond line",=HYPERLINK(1),AI_CORE,1,100.0,0\n'
    "5,hcom_allReduce__1_0,hcom_allReduce_,HCCL,2,50.0,0\n"
)
COMMUNICATION = {
    "step5": {
        "collective": {
            "hcom_allReduce__1_0@9": {
                "Communication Time Info": {"Elapse Time(ms)": 1.0},
                "Communication Bandwidth Info": {
                    f"HC{ESC}CS": {"Transit Size(MB)": 10, "Transit Time(ms)": 1}
                },
            }
        }
    }
}
MATRIX = {
    "step5": {
        "collective": {
            f"hcom_allReduce__1_0@g{ESC}": {
                "0-1": {
                    "Transport Type": f"RD{ESC}MA",
                    "Transit Size(MB)": 10,
                    "Transit Time(ms)": 2,
                }
            }
        }
    }
}


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    """Two runs whose directory names carry escapes; kernel, link and group names too."""
    for run in (f"run{ESC}a", "run-b"):
        out = tmp_path / run / "prof" / "r0_ascend_pt" / "ASCEND_PROFILER_OUTPUT"
        out.mkdir(parents=True)
        (out / "step_trace_time.csv").write_text("Step,Computing,Free\n5,10,5\n")
        (out / "kernel_details.csv").write_text(KERNELS)
        (out / "communication.json").write_text(json.dumps(COMMUNICATION))
        (out / "communication_matrix.json").write_text(json.dumps(MATRIX))
        (out / "memory_record.csv").write_text(
            f"Component,Timestamp(us),Total Allocated(MB),Total Reserved(MB)\nPTA{ESC},1,5,6\n"
        )
        (out / "op_statistic.csv").write_text("OP Type,Count,Total Time(us)\n")
        (out.parent / "profiler_info_0.json").write_text('{"rank_id": 0}')
    (tmp_path / "run-b" / "prof" / "r0_ascend_pt" / "trace_view.json").write_text("{broken")
    return tmp_path


def test_table_has_no_escapes_and_no_forged_lines(hostile: Path) -> None:
    out = profile_cli(str(hostile))
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "\x1b" not in text and "\x07" not in text
    assert "second line" in text and not any(
        line.startswith("second line") for line in text.splitlines()
    )
    for word in ("HCCS", "RDMA", "PTA", "== Run run", "skipped"):
        assert word in text


def test_csv_cells_are_not_formulas(hostile: Path, tmp_path: Path) -> None:
    one = hostile / "run-b"
    (one / "prof" / "r0_ascend_pt" / "ASCEND_PROFILER_OUTPUT" / "step_trace_time.csv").unlink()
    out = profile_cli(str(one), "--format", "csv")
    assert out.returncode == 0 and "top operators" in out.stderr
    df = pl.read_csv(out.stdout.encode())
    assert "'=HYPERLINK(1)" in df["type"].to_list()
    assert "\x1b" not in out.stdout and all("\n" not in n for n in df["name"].to_list())


def test_csv_of_ranks_defuses_run_names(tmp_path: Path) -> None:
    out_dir = tmp_path / "=cmd" / "prof" / "r0_ascend_pt" / "ASCEND_PROFILER_OUTPUT"
    out_dir.mkdir(parents=True)
    (out_dir / "step_trace_time.csv").write_text("Step,Computing,Free\n5,10,5\n")
    (tmp_path / "=cmd" / "msrun_log").mkdir()
    out = profile_cli(str(tmp_path), "--format", "csv")
    assert out.returncode == 0, out.stderr
    assert pl.read_csv(out.stdout.encode())["run"].to_list() == ["'=cmd"]
