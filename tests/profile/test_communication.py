"""Communication operators by name and type; MindSpore CPU directories; the slowest links."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest

from parsers.profiler.kernels import is_communication_op
from tests.profile.conftest import HERE, one_run

COMMUNICATION = [
    "hcom_allReduce__123_0_1",
    "HcclAllGather",
    "ncclKernel_AllReduce_RING_LL_Sum_float",
    "ncclDevKernel_ReduceScatter_Sum_f32_RING_LL",
    "nccl:all_reduce",
    "c10d::allreduce_",
    "c10d::_allgather_base_",
    "record_param_comms",
    "Default/AllReduce-op23",
    "AllGather",
    "ReduceScatter",
    "Broadcast",
    "Default/network/Send-op3",
    "Receive",
    "AlltoAll",
    "AllToAllv",
    "NeighborExchangeV2",
    "BatchISendIRecv",
]
NOT_COMMUNICATION = [
    "ReduceSum",
    "Expand/_SoftmaxBackward/ReduceSum-op0",
    "BroadcastTo",
    "Gather",
    "SendGrad",
    "Default/network/SendMessageHelper",
    "Sender",
    "Receiver",
    "AllReduceSum",
    "MatMul",
    "",
]


def test_communication_names_and_false_positives() -> None:
    df = pl.DataFrame({"name": COMMUNICATION + NOT_COMMUNICATION + [None]})
    flags = df.select(is_communication_op(pl.col("name")))["name"].to_list()
    assert flags == [True] * len(COMMUNICATION) + [False] * (len(NOT_COMMUNICATION) + 1)


def _trace(events: list[tuple[str, float]]) -> str:
    """A MindSpore CPU trace_view.json: process ``CPU OP``, durations as strings, no steps."""
    out: list[dict] = [
        {"ph": "M", "name": "process_name", "pid": 2, "tid": 0, "args": {"name": "CPU OP"}}
    ]
    for i, (name, dur) in enumerate(events):
        out.append(
            {
                "ph": "X",
                "name": name,
                "pid": 2,
                "tid": 0,
                "ts": f"{1000 + i * 100}.5",
                "dur": str(dur),
            }
        )
    return json.dumps(out)


def _ms_cpu_dir(root: Path, rank: int, with_framework: bool = True) -> Path:
    d = root / f"vm_{100 + rank}_2026_ascend_ms"
    (d / "ASCEND_PROFILER_OUTPUT").mkdir(parents=True)
    events = [("Default/AllReduce-op0", 300.0), ("MatMul", 600.0), ("Default/Send-op1", 100.0)]
    (d / "ASCEND_PROFILER_OUTPUT" / "trace_view.json").write_text(_trace(events))
    if with_framework:
        (d / "FRAMEWORK").mkdir()
        (d / "FRAMEWORK" / f"cpu_op_type_info_{rank}.csv").write_text(
            "op_type,type_occurrences,execution_frequency(per-step),total_compute_time,"
            "avg_time(ms),percent\nAllReduce,1,1,0.3,0.3,0.3\nMatMul,1,1,0.6,0.6,0.6\n"
            "Send,1,1,0.1,0.1,0.1\n"
        )
    return d


def test_mindspore_cpu_trace_counts_collectives(tmp_path: Path) -> None:
    _ms_cpu_dir(tmp_path, 3)
    s = one_run([tmp_path])
    assert s.communication["communication_share_pct"] == pytest.approx(40.0)
    types = {r["type"]: r["is_communication"] for r in s.top_types.iter_rows(named=True)}
    assert types == {"AllReduce": True, "MatMul": False, "Send": True}
    assert {f["rank"] for f in s.files} == {3}  # from FRAMEWORK/*_3.csv (no profiler_info)
    assert any("MindSpore's CPU profiler" in n for n in s.notes)


def test_operator_types_alone_give_the_share(tmp_path: Path) -> None:
    d = _ms_cpu_dir(tmp_path, 0)
    (d / "ASCEND_PROFILER_OUTPUT" / "trace_view.json").unlink()
    s = one_run([tmp_path])
    assert s.top_operators.is_empty() and s.top_types.height == 3
    assert s.communication["communication_share_pct"] == pytest.approx(40.0)
    assert s.communication["source"].startswith("operator types")


def test_trace_without_overlap_elsewhere_names_no_mindspore(tmp_path: Path) -> None:
    _ms_cpu_dir(tmp_path, 0, with_framework=False)
    s = one_run([tmp_path])
    note = next(n for n in s.notes if "no per-step breakdown" in n)
    assert "MindSpore" not in note


def test_mindspore_fixture_files_rank_from_framework() -> None:
    s = one_run([HERE / "fixtures" / "mindspore_cpu"])
    assert {f["rank"] for f in s.files} == {0}
    assert not any("rank unknown" in n for n in s.notes)


CLUSTER_MATRIX = {
    "(0, 1, 2, 3)": {
        "step": {
            "hcom_allReduce__1_0@123": {
                "0-1": {"Transport Type": "HCCS", "Transit Size(MB)": 100, "Transit Time(ms)": 5},
                "2-3": {"Transport Type": "RDMA", "Transit Size(MB)": 100, "Transit Time(ms)": 50},
            },
            "hcom_allReduce__1_0-top1@123": {
                "0-1": {"Transport Type": "HCCS", "Transit Size(MB)": 100, "Transit Time(ms)": 5},
            },
            "Total Op Info": {
                "0-1": {"Transport Type": "HCCS", "Transit Size(MB)": 200, "Transit Time(ms)": 10},
                "1-2": {"Transport Type": "HCCS", "Transit Size(MB)": 200, "Transit Time(ms)": 40},
                "2-3": {"Transport Type": "RDMA", "Transit Size(MB)": 100, "Transit Time(ms)": 50},
                "0-3": {"Transport Type": "RDMA", "Transit Size(MB)": 100, "Transit Time(ms)": 25},
                "1-1": {"Transport Type": "LOCAL", "Transit Size(MB)": 100, "Transit Time(ms)": 1},
            },
        }
    }
}


def test_cluster_communication_matrix_compares_within_a_transport(tmp_path: Path) -> None:
    out = tmp_path / "cluster_analysis_output"
    out.mkdir()
    (out / "cluster_communication_matrix.json").write_text(json.dumps(CLUSTER_MATRIX))
    s = one_run([tmp_path])
    links = s.slow_links
    assert links["group"].null_count() == links.height  # global ranks: no group shown
    rows = [(r["transport"], r["src"], r["dst"]) for r in links.iter_rows(named=True)]
    # Total Op Info rows; self links left out; slowest first within each transport
    assert rows == [("HCCS", 1, 2), ("HCCS", 0, 1), ("RDMA", 2, 3), ("RDMA", 0, 3)]
    hccs = links.row(0, named=True)
    assert hccs["bandwidth_gbps"] == pytest.approx(5.0)
    assert hccs["median_gbps"] == pytest.approx(12.5)
    assert hccs["of_median_pct"] == pytest.approx(40.0)
    assert not any("local to each" in n for n in s.notes)


def test_rank_matrix_links_are_per_group(tmp_path: Path) -> None:
    """A rank's communication_matrix.json names group-local ranks: links keep their group,
    and its Total rows (summed over groups) are not used."""
    out = tmp_path / "r0_ascend_pt" / "ASCEND_PROFILER_OUTPUT"
    out.mkdir(parents=True)
    link = {"Transport Type": "HCCS", "Transit Size(MB)": 10, "Transit Time(ms)": 1}
    slow = {"Transport Type": "HCCS", "Transit Size(MB)": 10, "Transit Time(ms)": 4}
    matrix = {
        "step1": {
            "collective": {
                "hcom_allReduce__1@tp_group": {"0-1": link},
                "hcom_allReduce__2@dp_group": {"0-1": slow},
                "Total Op Info": {"0-1": link},
            }
        }
    }
    (out / "communication_matrix.json").write_text(json.dumps(matrix))
    s = one_run([tmp_path])
    rows = [(r["group"], r["src"], r["dst"]) for r in s.slow_links.iter_rows(named=True)]
    assert rows == [("dp_group", 0, 1), ("tp_group", 0, 1)]
    assert any("local to each communication group" in n for n in s.notes)


def test_fixture_copy_reads_the_same_twice(tmp_path: Path) -> None:
    """Copying a MindSpore CPU profile beside itself gives two runs, not a merged one."""
    src = HERE / "fixtures" / "mindspore_cpu"
    shutil.copytree(src, tmp_path / "a")
    shutil.copytree(src, tmp_path / "b")
    from analyzer.profile import profile_paths

    assert [r.run for r in profile_paths([tmp_path]).runs] == ["a", "b"]
