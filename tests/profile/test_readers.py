"""The pure readers of parsers/profiler on real files and on edge cases."""

from __future__ import annotations

import json

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from analyzer.profile_io import read_json, read_text_csv, scan_text_csv
from parsers.profiler import (
    TraceAccumulator,
    communication_frames,
    iter_trace_frames,
    kernel_frame,
    matrix_frame,
    memory_record_frame,
    operator_memory_frame,
    rank_from_info,
    stage_groups_from_metadata,
    step_trace_frame,
)
from tests.profile.conftest import FIXTURE_RUN

OUT = next(FIXTURE_RUN.glob("prof/*31003*_ascend_pt")) / "ASCEND_PROFILER_OUTPUT"


def test_cluster_step_trace_rank_and_stage_rows(real_dir) -> None:
    df = step_trace_frame(read_text_csv(real_dir / "mstt_cluster_step_trace_time.csv"))
    ranks = df.filter(pl.col("type") == "rank")
    assert ranks["rank"].to_list() == list(range(8))
    rank5 = ranks.filter(pl.col("rank") == 5).row(0, named=True)
    assert rank5["communication_not_overlapped_us"] == pytest.approx(756374.86)
    assert ranks.sort("free_us")["rank"][-1] == 1
    stage = df.filter(pl.col("type") == "stage").row(0, named=True)
    assert stage["stage_ranks"] == "0,1,2,3,4,5,6,7" and stage["rank"] is None


def test_per_rank_step_trace_has_steps_and_all_columns() -> None:
    df = step_trace_frame(read_text_csv(OUT / "step_trace_time.csv"), rank=3)
    assert df["step"].to_list() == [5, 6] and df["rank"].unique().to_list() == [3]
    assert df["preparing_us"][0] == pytest.approx(150.5)
    assert df["bubble_us"][0] == pytest.approx(2000.0)


def test_step_trace_without_time_columns_is_refused() -> None:
    with pytest.raises(ValueError, match="no step trace"):
        step_trace_frame(pl.DataFrame({"a": ["1"]}))


@pytest.mark.parametrize(
    ("name", "rows", "comm"),
    [
        ("mstt_kernel_details_2023.csv", None, True),
        ("mstt_kernel_details_2025.csv", None, False),
        ("mstt_kernel_details_minimal.csv", 8, False),
    ],
)
def test_kernel_details_every_real_column_set(real_dir, name: str, rows, comm: bool) -> None:
    df = kernel_frame(scan_text_csv(real_dir / name), rank=0).collect()
    assert df.height > 0 and (rows is None or df.height == rows)
    assert df["duration_us"].null_count() == 0
    assert df["start_us"].null_count() == 0  # the 2025 TAB inside quotes is stripped
    assert bool(df["is_communication"].any()) is comm


def test_kernel_2025_start_time_with_tab(real_dir) -> None:
    df = kernel_frame(scan_text_csv(real_dir / "mstt_kernel_details_2025.csv")).collect()
    assert df["start_us"][0] == pytest.approx(1736413971558972.912)
    assert df["type"][0] == "MatMulV2" and df["step"][0] == 19


def test_kernel_frame_needs_name_and_duration() -> None:
    with pytest.raises(ValueError):
        kernel_frame(pl.DataFrame({"Name": ["x"]}))


def _chunks(data: bytes, size: int):
    for i in range(0, len(data), size):
        yield data[i : i + size]


def _accumulate(data: bytes, size: int) -> tuple[TraceAccumulator, list[str]]:
    acc, notes = TraceAccumulator(), []
    for frame in iter_trace_frames(_chunks(data, size), notes):
        acc.add(frame)
    return acc, notes


def test_trace_stream_same_result_for_any_chunk_size(real_dir) -> None:
    data = (real_dir / "mstt_trace_view.json").read_bytes()
    expected = json.loads(data)
    results = []
    for size in (257, 4096, 1 << 22):
        acc, notes = _accumulate(data, size)
        assert acc.events == len(expected) and notes == []
        results.append(acc.totals().sort("process", "thread", "name"))
    assert_frame_equal(results[0], results[1], check_exact=False)
    assert_frame_equal(results[1], results[2], check_exact=False)
    assert acc.process_names["4376751100"] == "Overlap Analysis"
    overlap = acc.overlap_by_step()
    free = overlap.filter(pl.col("name") == "Free")["total_us"].sum()
    want = sum(e["dur"] for e in expected if e.get("name") == "Free" and e.get("ph") == "X")
    assert free == pytest.approx(want)
    assert overlap["step"].unique().to_list() == [1]


def test_trace_object_form_nested_cut_and_truncation() -> None:
    events = [
        {
            "ph": "X",
            "name": f"k{i}",
            "pid": 1,
            "tid": 1,
            "ts": i,
            "dur": 1.5,
            "args": {"list": [{"a": "}, {"}, {"b": 2}]},
        }
        for i in range(200)
    ]
    data = json.dumps({"displayTimeUnit": "ns", "traceEvents": events}).encode()
    acc, notes = _accumulate(data, 97)
    assert acc.events == 200 and notes == []
    assert acc.totals()["total_us"].sum() == pytest.approx(300.0)
    truncated = json.dumps(events).encode()[:-40]
    acc, notes = _accumulate(truncated, 1000)
    assert 0 < acc.events < 200 and any("truncated" in n for n in notes)


def test_trace_refuses_non_trace_bytes() -> None:
    with pytest.raises(ValueError):
        list(iter_trace_frames([b"hello"]))


def test_event_list_fixture_metadata_only(real_dir) -> None:
    acc, _notes = _accumulate((real_dir / "mstt_event_list_fixture.json").read_bytes(), 64)
    assert acc.events == 2 and acc.process_names == {"0": "0", "1": "1"}


def test_cluster_communication_ops_and_bandwidth(real_dir) -> None:
    ops, bw = communication_frames(read_json(real_dir / "mstt_cluster_communication.json"))
    assert set(ops["rank"].to_list()) == {0, 1}
    assert ops["group"].unique().to_list() == ["(0, 1)"]
    first = ops.filter(pl.col("rank") == 0).sort("elapse_ms", descending=True).row(0, named=True)
    assert first["elapse_ms"] == pytest.approx(121.73694384375)
    assert set(bw["link_type"].to_list()) == {"RDMA", "HCCS", "PCIE", "SDMA"}


def test_per_rank_communication_and_matrix() -> None:
    ops, _bw = communication_frames(read_json(OUT / "communication.json"), rank=3)
    assert ops.height == 2 and ops["kind"].unique().to_list() == ["collective"]
    assert ops["step"].to_list() == ["step5", "step6"] and ops["rank"].unique().to_list() == [3]
    m = matrix_frame(read_json(OUT / "communication_matrix.json"))
    assert set(m["transport"].to_list()) == {"HCCS", "LOCAL"}
    assert m.filter(pl.col("src") != pl.col("dst"))["bandwidth_gbps"].to_list() == [6.4, 6.4]


def test_memory_record_units_by_header() -> None:
    mb = memory_record_frame(read_text_csv(OUT / "memory_record.csv"), rank=3)
    assert mb["allocated_mb"].max() == pytest.approx(9600.25)
    kb = memory_record_frame(
        pl.DataFrame(
            {
                "Component": ["GE"],
                "Timestamp(us)": ["1.0"],
                "Total Allocated(KB)": ["2048"],
                "Total Reserved(KB)": ["4096"],
                "Device": ["NPU:0"],
            }
        )
    )
    assert kb.row(0, named=True)["allocated_mb"] == 2.0 and kb["reserved_mb"][0] == 4.0
    ops = operator_memory_frame(read_text_csv(OUT / "operator_memory.csv"))
    assert ops["size_mb"].max() == pytest.approx(1024.0)


def test_profiler_info_and_metadata() -> None:
    d = OUT.parent
    assert rank_from_info(read_json(d / "profiler_info_3.json")) == 3
    assert rank_from_info({"rank_id": -1}, "profiler_info_7.json") == 7
    assert stage_groups_from_metadata(read_json(d / "profiler_metadata.json")) == [[0, 1], [2, 3]]
