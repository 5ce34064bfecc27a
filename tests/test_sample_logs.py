"""The committed sample logs are exactly what the generator writes, small, and parse as expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.load import load_paths
from sample_logs.generate import DRYRUN_DIR, STRATEGIES_DIR, generate

ROOT = Path(__file__).resolve().parent.parent / "sample_logs"


def _log_files(base: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(base)): p.read_bytes()
        for d in (STRATEGIES_DIR, DRYRUN_DIR)
        for p in sorted((base / d).rglob("*.log"))
    }


def test_regenerated_logs_are_byte_identical(tmp_path: Path) -> None:
    generate(tmp_path)
    fresh, committed = _log_files(tmp_path), _log_files(ROOT)
    assert sorted(fresh) == sorted(committed)
    different = [name for name in fresh if fresh[name] != committed[name]]
    assert different == [], "run `make samples` and commit the result"


def test_layout_and_size() -> None:
    files = _log_files(ROOT)
    assert sum(len(b) for b in files.values()) < 5 * 1024 * 1024
    for run in (
        "tp2pp4",
        "tp2pp4_vpp",
        "tp4pp2",
        "tp4pp2_recompute",
        "tp2pp2_cp2_ring",
        "tp2pp2_cp2_ulysses",
    ):
        names = {f"{STRATEGIES_DIR}/{run}/msrun_log/worker_{r}.log" for r in range(8)}
        assert names | {f"{STRATEGIES_DIR}/{run}/msrun_log/scheduler.log"} <= set(files)
    for run in ("tp2pp2_real", "tp2pp2_dryrun", "tp2pp2_recompute_real", "tp2pp2_recompute_dryrun"):
        assert f"{DRYRUN_DIR}/{run}/msrun_log/worker_3.log" in files


def test_iteration_lines_only_on_the_last_rank() -> None:
    run = ROOT / STRATEGIES_DIR / "tp2pp4" / "msrun_log"
    counts = [(run / f"worker_{r}.log").read_text().count("] iteration ") for r in range(8)]
    assert counts == [0] * 7 + [50]


def _parsers_landed() -> bool:
    datas = load_paths([ROOT / STRATEGIES_DIR / "tp2pp4"])
    return datas[0].steps.height > 0 and datas[0].memory.height > 0


@pytest.mark.skipif(not _parsers_landed(), reason="the Megatron parser has not landed yet")
def test_strategy_runs_parse_to_expected_counts() -> None:
    datas = {d.name: d for d in load_paths([ROOT / STRATEGIES_DIR])}
    assert len(datas) == 6
    for data in datas.values():
        assert data.steps.height == 50
        assert data.steps["rank"].unique().to_list() == [7]
        reserved = data.memory.filter(data.memory["metric"] == "max_reserved")
        assert reserved.height == 8
        assert data.config_dict().get("tp") in {"2", "4"}


@pytest.mark.skipif(not _parsers_landed(), reason="the parsers have not landed yet")
def test_dryrun_runs_parse_the_memory_summary() -> None:
    datas = {d.name: d for d in load_paths([ROOT / DRYRUN_DIR])}
    assert datas["tp2pp2_real"].steps.height == 3
    assert datas["tp2pp2_dryrun"].steps.height == 0
    peak = datas["tp2pp2_dryrun"].memory.filter(
        datas["tp2pp2_dryrun"].memory["metric"] == "peak_actual"
    )
    if peak.height:  # the MindSpore parser has landed
        assert peak["mb"].max() == 57341
