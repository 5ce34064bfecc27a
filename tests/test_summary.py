"""compare_table on frames built from records, and on the sample logs (seed tables reproduced)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from analyzer.discover import RankFile, Run
from analyzer.errors import InputError
from analyzer.load import load_paths
from analyzer.run_status import run_status
from analyzer.store import RunData
from analyzer.strategy import bubble_fraction, label_from_name, strategy_label
from analyzer.summary import compare_table

SAMPLES = Path(__file__).resolve().parents[1] / "sample_logs"


def make_run(
    tmp_path: Path,
    name: str,
    *,
    steps: list[dict[str, Any]] = (),
    memory: list[tuple[int, str, float]] = (),
    config: dict[str, str] | None = None,
    events: list[dict[str, Any]] = (),
    ranks: int = 1,
) -> RunData:
    """A RunData with real rank files (so status can read mtimes) and the given records."""
    folder = tmp_path / name
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for r in range(ranks):
        path = folder / f"worker_{r}.log"
        path.write_text("x\n")
        files.append(RankFile(path, r))
    data = RunData(Run(name, folder, files))
    records: list[dict[str, Any]] = [
        {"kind": "step", "run": name, "rank": ranks - 1, **s} for s in steps
    ]
    records += [
        {"kind": "memory", "run": name, "rank": r, "metric": m, "mb": mb} for r, m, mb in memory
    ]
    records += [
        {"kind": "config", "run": name, "key": k, "value": v} for k, v in (config or {}).items()
    ]
    records += [{"kind": "event", "run": name, "severity": "info", **e} for e in events]
    data.append_records(records)
    return data


def steps_of(
    times: list[float], *, tflops: list[float] | None = None, total: int | None = None
) -> list[dict]:
    out = []
    for i, t in enumerate(times, 1):
        s = {
            "step": i,
            "step_time_ms": t,
            "loss": 3.0 - 0.1 * i,
            "total_steps": total or len(times),
        }
        if tflops:
            s["tflops"] = tflops[i - 1]
        out.append(s)
    return out


def test_warmup_default_and_medians(tmp_path: Path) -> None:
    times = [9000.0] + [1000.0 + i for i in range(19)]  # 20 steps: warm-up 2
    data = make_run(tmp_path, "a", steps=steps_of(times, tflops=[10.0] + [100.0] * 19))
    comp = compare_table([data])
    row = comp.table.row(0, named=True)
    assert comp.warmup_steps == {"a": 2}
    assert row["steps"] == 20 and row["warmup_steps"] == 2
    assert row["step_time_ms_median"] == pytest.approx(1009.5)  # median of 1001..1018
    assert row["step_time_ms_p90"] == pytest.approx(1016.3)
    assert row["tflops_median"] == 100.0
    assert any("first 2 of 20 steps" in n for n in comp.notes)


def test_warmup_option_and_never_all_steps(tmp_path: Path) -> None:
    data = make_run(tmp_path, "a", steps=steps_of([5000.0, 100.0, 200.0]))
    assert compare_table([data], warmup=1).table["step_time_ms_median"][0] == 150.0
    assert compare_table([data], warmup=0).table["step_time_ms_median"][0] == 200.0
    assert compare_table([data], warmup=10).table["warmup_steps"][0] == 0
    with pytest.raises(InputError):
        compare_table([data], warmup=-1)


def test_tokens_mfu_bubble_and_peak_memory(tmp_path: Path) -> None:
    config = {
        "tp": "2",
        "pp": "4",
        "world_size": "8",
        "global_batch_size": "16",
        "micro_batch_size": "1",
        "seq_length": "4096",
    }
    memory = [
        (0, "max_reserved", 35366.0),
        (7, "max_reserved", 32000.0),
        (0, "max_allocated", 34000.0),
    ]
    data = make_run(
        tmp_path,
        "r",
        steps=steps_of([4000.0] * 10, tflops=[120.0] * 10),
        memory=memory,
        config=config,
    )
    row = compare_table([data], device_peak_tflops=400.0).table.row(0, named=True)
    assert row["tokens_per_s_per_device"] == pytest.approx(16 * 4096 / 4.0 / 8)
    assert row["mfu_pct"] == pytest.approx(30.0)
    assert row["bubble_pct"] == pytest.approx(100 * 3 / (16 + 3))
    assert row["peak_memory_mb"] == 35366.0 and row["peak_memory_metric"] == "max_reserved"
    assert row["strategy"] == "TP2PP4"


def test_bubble_with_virtual_stages() -> None:
    cfg = {
        "tp": "2",
        "pp": "4",
        "num_layers": "32",
        "num_layers_per_virtual_pipeline_stage": "2",
        "micro_batch_size": "1",
    }
    assert bubble_fraction(cfg, 8, 16) == pytest.approx(3 / (4 * 16 + 3))
    assert bubble_fraction({"pp": "1"}, 8, 16) == 0.0
    assert bubble_fraction({"pp": "2"}, 8, 16) is None  # micro-batch size unknown: not guessed


def test_bubble_from_the_printed_number_of_micro_batches() -> None:
    """Megatron's ``setting number of micro-batches to constant N`` gives m when the batch sizes
    do not; sizes that are all known still win."""
    assert bubble_fraction({"pp": "4", "num_micro_batches": "4"}, None, None) == 3 / 7
    assert bubble_fraction({"pp": "2", "num_micro_batches": "4"}, 4, None) == 1 / 5
    sizes = {"pp": "2", "num_micro_batches": "4", "micro_batch_size": "1", "dp": "1"}
    assert bubble_fraction(sizes, 2, 16) == 1 / 17


def test_run_without_steps_gets_a_row(tmp_path: Path) -> None:
    data = make_run(
        tmp_path, "dry", memory=[(0, "peak_actual", 57341.0), (0, "device_total", 65536.0)]
    )
    row = compare_table([data]).table.row(0, named=True)
    assert row["steps"] == 0 and row["step_time_ms_median"] is None
    assert row["peak_memory_mb"] == 57341.0 and row["device_total_mb"] == 65536.0


def test_nan_and_skipped_counts(tmp_path: Path) -> None:
    steps = steps_of([100.0] * 5)
    steps[2]["loss"] = float("nan")
    steps[3]["skipped"] = 1
    steps[3].pop("loss")
    row = compare_table([make_run(tmp_path, "n", steps=steps)]).table.row(0, named=True)
    assert row["nan_count"] == 1 and row["skipped_count"] == 1
    assert row["loss_final"] == pytest.approx(2.5) and row["loss_min"] == pytest.approx(2.5)


def test_skipped_count_is_null_when_the_logs_never_report_it(tmp_path: Path) -> None:
    row = compare_table([make_run(tmp_path, "n", steps=steps_of([100.0] * 3))]).table.row(
        0, named=True
    )
    assert row["skipped_count"] is None  # unknown, not "no step skipped"
    assert row["nan_count"] == 0  # every loss was finite: known


def test_a_warmup_not_below_the_step_count_is_noted(tmp_path: Path) -> None:
    data = make_run(tmp_path, "short", steps=steps_of([100.0] * 3))
    notes = compare_table([data], warmup=3).notes
    assert any("short: --warmup 3 is not below its 3 steps" in n for n in notes)
    assert not any("not below" in n for n in compare_table([data], warmup=2).notes)


def test_strategy_labels_from_config() -> None:
    assert strategy_label({"tp": "2", "pp": "4", "vpp": "4"}, "x") == "TP2PP4+VPP"
    cfg = {
        "tp": "4",
        "pp": "2",
        "recompute_granularity": "full",
        "recompute_method": "uniform",
        "recompute_num_layers": "1",
    }
    assert strategy_label(cfg, "x") == "TP4PP2+Recompute"
    assert (
        strategy_label({**cfg, "recompute_method": "block", "recompute_num_layers": "4"}, "x")
        == "TP4PP2+Recompute(block,4)"
    )
    assert (
        strategy_label({"tp": "2", "pp": "2", "cp": "2", "cp_algo": "megatron_cp_algo"}, "x")
        == "TP2PP2+CP2(ring)"
    )
    assert (
        strategy_label({"tp": "2", "pp": "2", "cp": "2", "cp_algo": "ulysses_cp_algo"}, "x")
        == "TP2PP2+CP2(Ulysses)"
    )
    assert (
        strategy_label({"tp": "2", "pp": "2", "cp": "1", "cp_algo": "ulysses_cp_algo"}, "x")
        == "TP2PP2"
    )
    assert strategy_label({"tp": "2", "pp": "2", "sp": "true"}, "x") == "TP2PP2+SP"
    assert strategy_label({"tp": "2", "pp": "2", "sp": "true"}, "x", omit={"sp"}) == "TP2PP2"
    assert strategy_label({"tp": "1", "pp": "1", "dp": "8"}, "x") == "TP1PP1DP8"
    assert strategy_label({"tp": "2", "pp": "2", "dryrun": "true"}, "x") == "TP2PP2+DryRun"


def test_strategy_labels_from_directory_names() -> None:
    assert label_from_name("tp2pp4_vpp") == "TP2PP4+VPP"
    assert label_from_name("tp4pp2_recompute") == "TP4PP2+Recompute"
    assert label_from_name("group/tp2pp2_cp2_ring") == "TP2PP2+CP2(ring)"
    assert label_from_name("tp2pp2_cp2_ulysses") == "TP2PP2+CP2(Ulysses)"
    assert label_from_name("my_experiment") == ""
    # A queued run is labelled from its name until its logs say more: the same label.
    assert label_from_name("dp2-20261122-174128") == strategy_label(
        {"tp": "1", "pp": "1", "dp": "2"}, "x"
    )
    assert label_from_name("dp1-seq128") == "TP1PP1"
    assert label_from_name("tp2dp4") == "TP2DP4"
    assert strategy_label({}, "tp2pp4_vpp") == "TP2PP4+VPP"


def test_name_tokens_match_at_word_boundaries_only() -> None:
    """``fsdp2`` is not DP2, ``string`` holds no ring, ``vpp2`` is no PP2."""
    assert label_from_name("mindspeed_llm_fsdp2_pretrain_qwen3_8b_npu") == ""
    assert label_from_name("tp2_cp2_substring") == "TP2+CP2"
    assert label_from_name("tp2pp4vpp2") == "TP2PP4+VPP"
    assert label_from_name("bootstrap_dp2") == "TP1PP1DP2"


def test_real_fsdp2_log_is_not_labelled_dp2(real_logs: Path) -> None:
    path = real_logs / "megatron" / "mindspeed_llm_fsdp2_pretrain_qwen3_8b_npu.log"
    row = compare_table(load_paths([path])).table.row(0, named=True)
    assert "DP2" not in row["strategy"]


def test_dryrun_by_name_reads_the_last_component_and_never_a_run_with_steps(
    tmp_path: Path,
) -> None:
    """A real run under a folder named ``*_dryrun`` (its name then includes the folder) is not a
    dry run; nor is a run that logged steps, whatever its name; a step-less one named so is."""
    cfg = {"tp": "2", "pp": "2"}
    real = make_run(tmp_path, "qwen_dryrun/tp2pp2_real", steps=steps_of([1.0] * 3), config=cfg)
    named = make_run(tmp_path, "tp2pp2_dryrun_steps", steps=steps_of([1.0] * 3), config=cfg)
    dry = make_run(tmp_path, "tp2pp2_dry_run", config=cfg, memory=[(0, "peak_actual", 1.0)])
    rows = {r["run"]: r for r in compare_table([real, named, dry]).table.iter_rows(named=True)}
    assert not rows["qwen_dryrun/tp2pp2_real"]["dryrun"]
    assert rows["qwen_dryrun/tp2pp2_real"]["strategy"] == "TP2PP2"
    assert not rows["tp2pp2_dryrun_steps"]["dryrun"]
    assert (
        rows["tp2pp2_dry_run"]["dryrun"] and rows["tp2pp2_dry_run"]["strategy"] == "TP2PP2+DryRun"
    )


def test_shared_flags_are_left_out_of_labels(tmp_path: Path) -> None:
    on = {"tp": "2", "pp": "2", "sp": "true", "distributed_optimizer": "true"}
    a = make_run(tmp_path, "a", config=on)
    b = make_run(tmp_path, "b", config={**on, "sp": "false"})
    labels = compare_table([a, b]).table["strategy"].to_list()
    assert labels == ["TP2PP2+SP", "TP2PP2"]


def test_baseline_deltas_and_missing_baseline(tmp_path: Path) -> None:
    a = make_run(tmp_path, "a", steps=steps_of([100.0] * 3, tflops=[100.0] * 3))
    b = make_run(tmp_path, "b", steps=steps_of([80.0] * 3, tflops=[125.0] * 3))
    table = compare_table([a, b], baseline="a").table
    assert table["tflops_median_delta_pct"].to_list() == [0.0, 25.0]
    assert table["step_time_ms_median_delta_pct"].to_list() == [0.0, -20.0]
    cols = table.columns
    assert cols.index("tflops_median_delta_pct") == cols.index("tflops_median") + 1
    with pytest.raises(InputError, match="not one of the runs: a, b"):
        compare_table([a, b], baseline="c")


def test_sort(tmp_path: Path) -> None:
    a = make_run(tmp_path, "a", steps=steps_of([100.0] * 3, tflops=[100.0] * 3))
    b = make_run(tmp_path, "b", steps=steps_of([80.0] * 3, tflops=[125.0] * 3))
    assert compare_table([a, b], sort="-tflops_median").table["run"].to_list() == ["b", "a"]
    assert compare_table([b, a], sort="step_time_ms_median").table["run"].to_list() == ["b", "a"]
    with pytest.raises(InputError, match="no such column"):
        compare_table([a], sort="nope")


def test_dryrun_pairing(tmp_path: Path) -> None:
    cfg = {"tp": "2", "pp": "2"}
    real = make_run(
        tmp_path,
        "real",
        config=cfg,
        memory=[(0, "peak_actual", 57400.0), (0, "peak_used", 55405.0)],
    )
    dry = make_run(
        tmp_path,
        "dry",
        config={**cfg, "dryrun": "true"},
        memory=[(0, "peak_actual", 57341.0), (0, "peak_used", 55389.0)],
    )
    comp = compare_table([real, dry])
    row = comp.table.filter(comp.table["run"] == "dry").row(0, named=True)
    assert row["dryrun_of"] == "real" and row["strategy"] == "TP2PP2+DryRun"
    assert row["peak_actual_mb_vs_real_mb"] == -59.0
    assert row["peak_actual_mb_vs_real_pct"] == pytest.approx(-59 / 57400 * 100)
    assert comp.pairs["metric"].to_list() == ["peak_used_mb", "peak_actual_mb"]


def test_status_from_events_exit_codes_and_run_json(tmp_path: Path) -> None:
    done = make_run(tmp_path, "done", steps=steps_of([1.0] * 3, total=3))
    assert run_status(done) == "finished"
    crashed = make_run(
        tmp_path,
        "crashed",
        steps=steps_of([1.0] * 2, total=10),
        events=[{"type": "worker_exit", "severity": "error", "extra": {"exit_code": 1}}],
    )
    assert run_status(crashed) == "failed"
    oom = make_run(tmp_path, "oom", events=[{"type": "oom", "severity": "error"}])
    assert run_status(oom) == "failed"
    live = make_run(tmp_path, "live", steps=steps_of([1.0] * 2, total=10))
    assert run_status(live) == "running"
    old = make_run(tmp_path, "old", steps=steps_of([1.0] * 2, total=10))
    for f in old.run.files:
        os.utime(f.path, (1_000_000, 1_000_000))
    assert run_status(old) == "stopped"
    (tmp_path / "old" / "run.json").write_text(json.dumps({"status": "failed"}))
    assert run_status(old) == "failed"


def test_seed_000_reproduced_from_sample_logs() -> None:
    comp = compare_table(load_paths([SAMPLES / "qwen25_7b_strategies"]))
    rows = {r["strategy"]: r for r in comp.table.iter_rows(named=True)}
    expected = {
        "TP2PP4": (119, 35366),
        "TP2PP4+VPP": (126, 37087),
        "TP4PP2": (126, 27951),
        "TP4PP2+Recompute": (99, 26779),
    }
    for label, (tflops, peak) in expected.items():
        assert round(rows[label]["tflops_median"]) == tflops
        assert rows[label]["peak_memory_mb"] == peak
    assert {"TP2PP2+CP2(ring)", "TP2PP2+CP2(Ulysses)"} <= set(rows)
    assert all(r["status"] == "finished" and r["world_size"] == 8 for r in rows.values())


def test_seed_004_reproduced_from_sample_logs() -> None:
    comp = compare_table(load_paths([SAMPLES / "qwen25_7b_dryrun"]))
    rows = {r["run"]: r for r in comp.table.iter_rows(named=True)}
    seed = {
        "tp2pp2_real": (62420, 58178, 55405, 57400),
        "tp2pp2_dryrun": (65536, 61430, 55389, 57341),
        "tp2pp2_recompute_real": (62420, 58166, 35073, 36174),
        "tp2pp2_recompute_dryrun": (65536, 61430, 34946, 35720),
    }
    cols = ("device_total_mb", "framework_used_mb", "peak_used_mb", "peak_actual_mb")
    for run, values in seed.items():
        assert tuple(rows[run][c] for c in cols) == values
    assert rows["tp2pp2_dryrun"]["dryrun_of"] == "tp2pp2_real"
    assert rows["tp2pp2_recompute_dryrun"]["dryrun_of"] == "tp2pp2_recompute_real"
    assert comp.pairs.height == 8


def test_real_megatron_logs_compare_sensibly(real_logs: Path) -> None:
    files = sorted((real_logs / "megatron").glob("llm_action_megatron_gpt2_*.log"))
    comp = compare_table(load_paths(files))
    rows = {r["run"]: r for r in comp.table.iter_rows(named=True)}
    assert rows["llm_action_megatron_gpt2_pp4_run"]["strategy"] == "TP1PP4"
    assert rows["llm_action_megatron_gpt2_tp4_run"]["strategy"] == "TP4PP1"
    assert rows["llm_action_megatron_gpt2_pp4_run"]["peak_memory_mb"] == 7766.0
    assert 300 < rows["llm_action_megatron_gpt2_pp4_run"]["step_time_ms_median"] < 450
    assert rows["llm_action_megatron_gpt2_single_gpu_full_startup"]["steps"] == 0
    assert round(rows["llm_action_megatron_gpt2_pp4_run"]["bubble_pct"], 1) == 42.9
    assert rows["llm_action_megatron_gpt2_tp_run"]["strategy"] == "TP2PP2"
    assert rows["llm_action_megatron_gpt2_tp_run"]["bubble_pct"] == pytest.approx(20.0)


def test_steps_come_from_the_reporting_rank(tmp_path: Path) -> None:
    data = make_run(tmp_path, "multi", ranks=2)
    data.append_records(
        [{"kind": "step", "run": "multi", "rank": 0, "step": 1, "step_time_ms": 999.0}]
    )
    more = [
        {"kind": "step", "run": "multi", "rank": 1, "step": s, "step_time_ms": 100.0}
        for s in (1, 2, 3, 2)
    ]
    data.append_records(more)  # step 2 logged twice (a resumed run): the last line wins
    row = compare_table([data], warmup=0).table.row(0, named=True)
    assert row["steps"] == 3 and row["step_time_ms_median"] == 100.0


def test_launch_spec_params_label_a_run_whose_logs_do_not_say(tmp_path: Path) -> None:
    data = make_run(tmp_path, "variant-20250101-000000", steps=steps_of([1.0] * 3, total=3))
    spec = {"status": "finished", "params": {"tp": 2, "pp": 4, "recompute_args": ["--x"]}}
    (tmp_path / "variant-20250101-000000" / "run.json").write_text(json.dumps(spec))
    row = compare_table([data]).table.row(0, named=True)
    assert row["strategy"] == "TP2PP4" and row["status"] == "finished"


def test_labels_tell_apart_runs_differing_only_in_vpp_size_or_noop_layers(tmp_path: Path) -> None:
    base = {"tp": "2", "pp": "4", "num_layers": "32"}
    runs = [
        make_run(tmp_path, "v2", config={**base, "vpp": "2"}),
        make_run(tmp_path, "v4", config={**base, "vpp": "4"}),
        make_run(tmp_path, "plain", config=base),
        make_run(tmp_path, "noop", config={**base, "noop_layers": "{2, 3, 5, 8}"}),
        make_run(tmp_path, "tp4", config={"tp": "4", "pp": "2", "vpp": "2"}),
    ]
    labels = dict(zip(*compare_table(runs).table.select("run", "strategy"), strict=True))
    assert labels == {
        "v2": "TP2PP4+VPP2",
        "v4": "TP2PP4+VPP4",
        "plain": "TP2PP4",
        "noop": "TP2PP4+Noop(2,3,5,8)",
        "tp4": "TP4PP2+VPP",  # no other TP4PP2 run: the plain label
    }


def test_ambiguous_dryrun_pairing_is_noted(tmp_path: Path) -> None:
    cfg = {"tp": "2", "pp": "2"}
    mem = [(0, "peak_actual", 100.0)]
    a = make_run(tmp_path, "real_a", config=cfg, memory=mem)
    b = make_run(tmp_path, "real_b", config=cfg, memory=mem)
    dry = make_run(tmp_path, "dry", config={**cfg, "dryrun": "true"}, memory=mem)
    comp = compare_table([a, b, dry])
    assert comp.table.filter(comp.table["run"] == "dry")["dryrun_of"].item() == "real_a"
    assert any(
        "dry run dry: 2 real runs share strategy TP2PP2 (real_a, real_b)" in n for n in comp.notes
    )
    assert not any("share strategy" in n for n in compare_table([a, dry]).notes)
