"""`analyzer compare` end to end on the sample logs: golden files per format (the bytes are the contract).

Regenerate the goldens after an intended change with ``ANALYZER_UPDATE_GOLDEN=1 pytest tests/test_compare_cli.py``.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from analyzer.cli import main

REPO = Path(__file__).resolve().parents[1]
GOLDEN = REPO / "tests" / "golden" / "compare"
UPDATE = os.environ.get("ANALYZER_UPDATE_GOLDEN") == "1"

CASES = {
    "strategies.table.txt": ["sample_logs/qwen25_7b_strategies"],
    "strategies.md": ["sample_logs/qwen25_7b_strategies", "--format", "markdown"],
    "strategies.csv": ["sample_logs/qwen25_7b_strategies", "--format", "csv"],
    "strategies.json": ["sample_logs/qwen25_7b_strategies", "--format", "json"],
    "strategies.html": ["sample_logs/qwen25_7b_strategies", "--format", "html"],
    "strategies.tex": ["sample_logs/qwen25_7b_strategies", "--format", "latex"],
    "strategies_baseline.md": [
        "sample_logs/qwen25_7b_strategies",
        "--format",
        "markdown",
        "--baseline",
        "tp2pp4",
        "--sort=-tflops_median",
        "--device",
        "ascend-910b3",
    ],
    "dryrun.table.txt": ["sample_logs/qwen25_7b_dryrun"],
    "dryrun.md": ["sample_logs/qwen25_7b_dryrun", "--format", "markdown"],
    "dryrun.json": ["sample_logs/qwen25_7b_dryrun", "--format", "json"],
    "dryrun.csv": ["sample_logs/qwen25_7b_dryrun", "--format", "csv"],
    "dryrun.html": ["sample_logs/qwen25_7b_dryrun", "--format", "html"],
    "dryrun.tex": ["sample_logs/qwen25_7b_dryrun", "--format", "latex"],
}
#: A run named ``<b>&x|y_$z`` beside a plain one (copied sample runs): escaping, byte for byte.
EVIL = "<b>&x|y_$z"
ESCAPE_CASES = {
    f"escape.{ext}": ["group", "--format", fmt]
    for ext, fmt in {
        "table.txt": "table",
        "md": "markdown",
        "csv": "csv",
        "json": "json",
        "html": "html",
        "tex": "latex",
    }.items()
}
#: The real Megatron logs of llm-action's GPT-2 runs (copied with old mtimes: a stable status).
REAL_CASES = {
    "real_megatron.table.txt": ["megatron"],
    "real_megatron.md": ["megatron", "--format", "markdown"],
}


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)  # run paths in the output are relative, as a user types them


def check_golden(name: str, out: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(out, encoding="utf-8")
    assert out == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", *CASES[name]]) == 0
    check_golden(name, capsys.readouterr().out)


@pytest.mark.parametrize("name", sorted(ESCAPE_CASES))
def test_golden_escaping(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    strategies = REPO / "sample_logs" / "qwen25_7b_strategies"
    shutil.copytree(strategies / "tp4pp2", tmp_path / "group" / EVIL)
    shutil.copytree(strategies / "tp2pp4", tmp_path / "group" / "tp2pp4")
    monkeypatch.chdir(tmp_path)
    assert main(["compare", *ESCAPE_CASES[name]]) == 0
    check_golden(name, capsys.readouterr().out)


@pytest.mark.parametrize("name", sorted(REAL_CASES))
def test_golden_real_megatron_logs(
    name: str,
    real_logs: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """llm-action's GPT-2 runs: labels TP1PP1 / TP1PP4 / TP4PP1 / TP2PP2, the bubble from the
    printed number of micro-batches, peak memory from the memory reports."""
    (tmp_path / "megatron").mkdir()
    for src in sorted((real_logs / "megatron").glob("llm_action_megatron_gpt2_*.log")):
        dst = tmp_path / "megatron" / src.name
        shutil.copyfile(src, dst)
        os.utime(dst, (1_600_000_000, 1_600_000_000))
    monkeypatch.chdir(tmp_path)
    assert main(["compare", *REAL_CASES[name]]) == 0
    check_golden(name, capsys.readouterr().out)


def test_output_file_is_not_overwritten_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "table.md"
    args = [
        "compare",
        "sample_logs/qwen25_7b_strategies",
        "--format",
        "markdown",
        "-o",
        str(target),
    ]
    assert main(args) == 0
    assert target.read_text(encoding="utf-8") == (GOLDEN / "strategies.md").read_text(
        encoding="utf-8"
    )
    target.write_text("keep me")
    assert main(args) == 2
    assert "--force" in capsys.readouterr().err
    assert target.read_text() == "keep me"
    assert main([*args, "--force"]) == 0
    assert target.read_text(encoding="utf-8").startswith("| run |")


def test_missing_baseline_names_the_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", "sample_logs/qwen25_7b_dryrun", "--baseline", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "tp2pp2_real" in err and "tp2pp2_recompute_dryrun" in err


def test_unknown_device_and_bad_sort(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", "sample_logs/qwen25_7b_dryrun", "--device", "tpu-v9"]) == 2
    assert "ascend-910b3" in capsys.readouterr().err
    assert main(["compare", "sample_logs/qwen25_7b_dryrun", "--sort", "speed"]) == 2
    assert "no such column" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["inf", "nan", "-1", "0"])
def test_device_peak_must_be_a_positive_finite_number(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["compare", "sample_logs/qwen25_7b_dryrun", f"--device-peak-tflops={value}"]) == 2
    assert "must be a positive number" in capsys.readouterr().err


@pytest.mark.parametrize("verb", ["compare", "export"])
def test_bad_warmup_is_refused_before_parsing(
    verb: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = ["-o", str(tmp_path / "frames")] if verb == "export" else []
    assert main([verb, "no/such/dir", "--warmup", "-1", *out]) == 2
    assert "--warmup must be 0 or more" in capsys.readouterr().err


def test_pairing_headers_say_dry_minus_real_with_fixed_decimals(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["compare", "sample_logs/qwen25_7b_dryrun"]) == 0
    out = capsys.readouterr().out
    assert "dry - real MB" in out and "dry - real %" in out
    pairs = out.split("Dry run against real:")[1].splitlines()[3:11]
    pct = [line.split()[-1] for line in pairs]
    assert pct == ["+4.99", "+5.59", "-0.03", "-0.10", "+4.99", "+5.61", "-0.36", "-1.26"]


def test_missing_path(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", "no/such/dir"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_mixed_formats_in_one_comparison(
    real_logs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = [
        "sample_logs/qwen25_7b_dryrun/tp2pp2_real",
        str(real_logs / "megatron" / "llm_action_megatron_gpt2_pp4_run.log"),
        str(real_logs / "mindformers" / "llm_action_mindformers_llama13b_2node_2023.log"),
        str(real_logs / "deepspeed_hf" / "llm_action_megatron_deepspeed_llama_run.log"),
    ]
    assert main(["compare", *paths, "--format", "json"]) == 0
    rows = {r["run"]: r for r in json.loads(capsys.readouterr().out)}
    assert len(rows) == 4
    assert (
        rows["tp2pp2_real"]["strategy"] == "TP2PP2+SP+DistOpt"
        and rows["tp2pp2_real"]["peak_actual_mb"] == 57400
    )
    assert rows["llm_action_megatron_gpt2_pp4_run"]["peak_memory_mb"] == 7766


def test_a_real_run_under_a_dryrun_folder_is_not_a_dry_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two runs named tp2pp2_real get their parent in the name (``qwen25_7b_dryrun/...``): that
    folder name must not make the real run a dry run, nor pair the two."""
    shutil.copytree(REPO / "sample_logs/qwen25_7b_dryrun/tp2pp2_real", tmp_path / "o/tp2pp2_real")
    src = "sample_logs/qwen25_7b_dryrun/tp2pp2_real"
    assert main(["compare", src, str(tmp_path / "o/tp2pp2_real"), "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 2
    assert not any(r["dryrun"] or "DryRun" in r["strategy"] for r in rows)
    assert main(["compare", src, src, "--format", "json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["strategy"] == "TP2PP2+SP+DistOpt" and not row["dryrun"]


@pytest.mark.parametrize("verb", ["compare", "profile", "parse"])
def test_output_onto_a_directory_is_an_input_error(
    verb: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for force in ([], ["--force"]):
        assert main([verb, "sample_logs/qwen25_7b_dryrun", "-o", str(tmp_path), *force]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "is a directory" in err, err
    assert list(tmp_path.iterdir()) == []  # no temporary file left behind


def test_output_mode_follows_umask_and_force_keeps_the_old_mode(tmp_path: Path) -> None:
    target = tmp_path / "t.md"
    args = ["compare", "sample_logs/qwen25_7b_dryrun", "-o", str(target)]
    old = os.umask(0o027)
    try:
        assert main(args) == 0
        assert target.stat().st_mode & 0o777 == 0o640  # 0o666 & ~umask, as open() gives
        target.chmod(0o604)
        assert main([*args, "--force"]) == 0
        assert target.stat().st_mode & 0o777 == 0o604  # the replaced file's own mode
    finally:
        os.umask(old)


@pytest.mark.parametrize("verb", ["compare", "export"])
def test_nothing_parseable_is_an_input_error(
    verb: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """CONTRACT.md: exit 2, one line, as `parse` does; a run with records but no steps keeps its row."""
    junk = tmp_path / "junk.log"
    junk.write_text("hello\nworld\n")
    out = ["-o", str(tmp_path / "frames")] if verb == "export" else []
    assert main([verb, str(junk), *out]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nothing parseable found (2 lines read" in err
    assert not (tmp_path / "frames").exists()
    assert main([verb, str(junk), "sample_logs/qwen25_7b_dryrun/tp2pp2_dryrun", *out]) == 0
