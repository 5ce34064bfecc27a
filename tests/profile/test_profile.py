"""profile_paths: the summary over the fixture run and over every real profiler file."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.errors import InputError
from analyzer.profile import profile_paths
from tests.profile.conftest import FIXTURE_RUN, one_run, real_files

PROF = FIXTURE_RUN / "prof"


def test_run_dir_profiler_dir_and_output_dir_agree() -> None:
    whole = one_run([FIXTURE_RUN])
    assert sorted(whole.ranks["rank"].unique().to_list()) == [0, 1, 2, 3]
    one = next(PROF.glob("*31002*"))
    assert one_run([one]).ranks["rank"].unique().to_list() == [2]
    assert one_run([one / "ASCEND_PROFILER_OUTPUT"]).ranks["rank"].unique().to_list() == [2]


def test_breakdown_shares_and_stages() -> None:
    s = one_run([FIXTURE_RUN])
    row = s.ranks.filter((s.ranks["rank"] == 3) & (s.ranks["step"] == 5)).row(0, named=True)
    assert row["computing_us"] == 150_000.0 and row["stage"] == 1
    assert row["step_us"] == pytest.approx(150_000 + 12_000 + 20_750)
    assert row["computing_pct"] == pytest.approx(150_000 / row["step_us"] * 100, abs=0.01)
    assert row["bubble_us"] == 2000.0
    assert sorted(s.stages["ranks"].unique().to_list()) == ["0,1", "2,3"]


def test_straggler_rank_and_stage_with_cause() -> None:
    s = one_run([FIXTURE_RUN])
    assert [r["rank"] for r in s.slow_ranks] == [3]
    slow = s.slow_ranks[0]
    assert slow["cause"] == "computing" and slow["straggler"] and slow["steps"] == [5, 6]
    assert "Computing" in slow["reason"] and "robust_z" in slow["test"]
    assert [st["stage"] for st in s.slow_stages] == [1]


def test_operators_communication_bandwidth_links_memory() -> None:
    s = one_run([FIXTURE_RUN])
    top = s.top_operators.row(0, named=True)
    assert top["name"] == "hcom_allReduce__123_0_1" and top["count"] == 8
    assert top["total_us"] == pytest.approx(24_000.0) and top["is_communication"]
    assert s.communication["communication_share_pct"] == pytest.approx(
        (24_000 + 3_200) / s.communication["kernel_total_us"] * 100, abs=0.01
    )
    bw = {r["link_type"]: r for r in s.bandwidth.iter_rows(named=True)}
    assert set(bw) == {"HCCS", "SDMA"}  # RDMA moved nothing
    assert bw["HCCS"]["bandwidth_gbps"] == pytest.approx(4096 / 172)
    assert s.slow_links.row(0, named=True)["bandwidth_gbps"] == pytest.approx(6.4)
    peak = s.memory.filter((s.memory["rank"] == 3) & (s.memory["component"] == "PTA"))
    assert peak["peak_allocated_mb"][0] == pytest.approx(9300.25)
    assert s.largest_allocations["size_mb"][0] == pytest.approx(1024.0)


def test_to_dict_has_the_contract_keys() -> None:
    d = one_run([FIXTURE_RUN]).to_dict()
    for key in ("ranks", "slow_ranks", "top_operators"):
        assert d[key]
    rank = d["ranks"][0]
    for key in (
        "rank",
        "step",
        "computing_us",
        "communication_not_overlapped_us",
        "overlapped_us",
        "free_us",
        "bubble_us",
        "stage_us",
    ):
        assert key in rank
    assert {"rank", "reason"} <= set(d["slow_ranks"][0])
    assert {"name", "type", "count", "total_us"} <= set(d["top_operators"][0])


def test_cluster_step_trace_names_rank1_straggler_rank5_comm(real_dir) -> None:
    s = one_run([real_dir / "mstt_cluster_step_trace_time.csv"])
    assert s.ranks.height == 8
    by_rank = {r["rank"]: r for r in s.slow_ranks}
    assert by_rank[1]["cause"] == "free" and by_rank[1]["straggler"]
    assert by_rank[5]["cause"] == "communication" and not by_rank[5]["straggler"]
    assert s.slow_ranks[0]["rank"] == 1
    assert any("Communication(Not Overlapped) differs" in f for f in s.findings)


def test_trace_only_gives_breakdown_and_kernels(real_dir) -> None:
    s = one_run([real_dir / "mstt_trace_view.json"])
    row = s.ranks.row(0, named=True)
    assert row["step"] == 1 and row["computing_us"] > 0 and row["free_us"] > 0
    assert not s.top_operators.is_empty()
    assert s.communication["source"].startswith("trace_view.json")


@pytest.mark.parametrize("path", real_files(), ids=lambda p: p.name)
def test_every_real_profiler_file_reads(path: Path) -> None:
    s = one_run([path])
    assert s.files and not any("skipped" in n for n in s.notes)
    s.to_dict()


def test_missing_and_unknown_paths_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        profile_paths([tmp_path / "nope"])
    other = tmp_path / "notes.txt"
    other.write_text("hello\n")
    with pytest.raises(InputError, match="no profiler output"):
        profile_paths([other])
    with pytest.raises(InputError, match="no profiler output"):
        profile_paths([tmp_path])


def test_broken_file_is_a_note_not_a_crash(tmp_path: Path) -> None:
    out = tmp_path / "r_ascend_pt" / "ASCEND_PROFILER_OUTPUT"
    out.mkdir(parents=True)
    (out / "step_trace_time.csv").write_text("Step,Computing,Free\n1,10,5\n")
    (out / "communication.json").write_text("{not json")
    (out / "kernel_details.csv").write_text("Foo,Bar\n1,2\n")
    s = one_run([tmp_path])
    assert s.ranks.height == 1
    assert sum("skipped" in n for n in s.notes) == 2
