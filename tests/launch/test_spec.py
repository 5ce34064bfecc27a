"""Spec validation, sweeps and placeholder substitution (no processes started)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from analyzer.cli import main
from analyzer.errors import InputError
from analyzer.launch.command import plan, substitute_args
from analyzer.launch.spec import WORKLOADS_DIR, load_spec, spec_from_dict
from analyzer.launch.sweep import expand, matrix_name, select
from tests.launch.helpers import write_spec


def _err(raw: dict) -> str:
    with pytest.raises(InputError) as exc:
        spec_from_dict(raw)
    return str(exc.value)


def test_missing_command_names_the_key() -> None:
    assert "command: missing" in _err({"name": "x"})


def test_unknown_key_is_named() -> None:
    msg = _err({"command": ["a"], "comand": ["b"]})
    assert "comand: unknown key" in msg


def test_wrong_type_is_named() -> None:
    assert "command: expected" in _err({"command": "train.py --tp 2"})
    assert "msrun.worker_num: expected an integer" in _err(
        {"command": ["a"], "msrun": {"worker_num": "2"}}
    )
    assert "dry_run: expected true or false" in _err({"command": ["a"], "dry_run": 1})


def test_bad_launcher_and_port() -> None:
    assert "launcher: expected one of" in _err({"command": ["a"], "launcher": "mpirun"})
    assert "master_port" in _err({"command": ["a"], "msrun": {"master_port": "any"}})


def test_variant_errors_name_their_index() -> None:
    assert "variants[1].name: missing" in _err({"command": ["a"], "variants": [{"name": "a"}, {}]})
    assert "variants[0].parms: unknown key" in _err(
        {"command": ["a"], "variants": [{"name": "a", "parms": {}}]}
    )
    assert "duplicate name 'a'" in _err({"command": ["a"], "variants": [{"name": "a"}] * 2})
    assert "not a usable run name" in _err({"command": ["a"], "variants": [{"name": "a/b"}]})


def test_placeholder_without_value_is_named(tmp_path: Path) -> None:
    spec = spec_from_dict({"command": ["train.py", "--tp", "{tp}"]})
    variants, _ = expand(spec)
    with pytest.raises(InputError, match=r"command\[2\]: placeholder \{tp\} has no value"):
        plan(spec, variants[0], tmp_path)


def test_parameters_fill_single_elements_never_a_shell_string() -> None:
    values = {"tp": 2, "name": "a b; rm -rf /", "extra": ["--x", "1"], "none": [], "rc": True}
    args = ["run.py", "--tp={tp}", "{name}", "{extra}", "{none}", "{rc?--recompute}", "{{lit}}"]
    assert substitute_args(args, values, "command") == [
        "run.py",
        "--tp=2",
        "a b; rm -rf /",
        "--x",
        "1",
        "--recompute",
        "{lit}",
    ]
    assert substitute_args(["{rc?--recompute}"], {"rc": "false"}, "c") == []


def test_matrix_with_divisibility_and_user_rules() -> None:
    spec = spec_from_dict(
        {
            "command": ["t.py", "--tp", "{tp}", "--pp", "{pp}"],
            "launcher": "msrun",
            "msrun": {"worker_num": 8},
            "params": {"cp": 1},
            "matrix": {
                "tp": [2, 4, 3],
                "pp": [2, 4],
                "recompute": [False, True],
                "exclude": [{"tp": 2, "recompute": True}],
            },
        }
    )
    kept, skipped = expand(spec)
    names = [v.name for v in kept]
    assert "tp2-pp4" in names and "tp4-pp2-recompute" in names
    assert "tp2-pp2-recompute" not in names
    assert "tp4-pp4" not in names and "tp3-pp2" not in names
    reasons = {s.name: s.reason for s in skipped}
    assert "does not divide the world size 8" in reasons["tp4-pp4"]
    assert "exclude rule" in reasons["tp2-pp4-recompute"]
    assert len(kept) + len(skipped) == 12
    assert matrix_name({"tp": 2, "recompute": False}) == "tp2"
    with pytest.raises(InputError, match="--variant nope: no such variant"):
        select(kept, ["nope"])


def test_dry_run_sets_mindspore_simulation(tmp_path: Path) -> None:
    spec = spec_from_dict(
        {"command": ["t.py"], "launcher": "msrun", "msrun": {"worker_num": 2, "master_port": 1234}}
    )
    p = plan(spec, expand(spec)[0][0], tmp_path, dry_run=True)
    assert p.env["MS_SIMULATION_LEVEL"] == "1" and p.env["MS_DRY_RUN"] == "1"
    assert "--sim_level=1" in p.argv and "--master_port=1234" in p.argv
    assert f"--log_dir={tmp_path / 'msrun_log'}" in p.argv and p.argv[-1] == "t.py"


def test_bundled_sweep_is_valid() -> None:
    spec = load_spec(WORKLOADS_DIR / "sweep.toml")
    kept, skipped = expand(spec)
    assert len(kept) >= 3 and not skipped


def test_cli_bad_spec_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_spec(tmp_path, 'command = ["a"]\nlauncher = 3\n')
    assert main(["launch", str(path), "--runs-dir", str(tmp_path / "runs")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "launcher: expected a string" in err
    bad = write_spec(tmp_path, "command = [", name="bad.toml")
    assert main(["launch", str(bad)]) == 2
    assert "not valid TOML" in capsys.readouterr().err
    assert main(["launch", str(tmp_path / "missing.toml")]) == 2
    assert not (tmp_path / "runs").exists()


def test_torchrun_argv_and_plain_command(tmp_path: Path) -> None:
    import shutil

    if not shutil.which("torchrun") and not (Path(sys.executable).parent / "torchrun").exists():
        with pytest.raises(InputError, match="'torchrun' not found"):
            spec = spec_from_dict({"command": ["t.py"], "launcher": "torchrun"})
            plan(spec, expand(spec)[0][0], tmp_path)
    spec = spec_from_dict(
        {"command": ["{python}", "t.py", "--run", "{run_dir}"], "env": {"X": "{variant}"}}
    )
    p = plan(spec, expand(spec)[0][0], tmp_path)
    assert p.argv == [sys.executable, "t.py", "--run", str(tmp_path)]
    assert p.env["X"] == spec.name and p.env["ANALYZER_RUN_DIR"] == str(tmp_path)


def test_qwen_example_spec_expands_to_the_tutorial_strategies(tmp_path: Path) -> None:
    spec = load_spec(WORKLOADS_DIR / "examples" / "qwen25_7b_strategies.toml")
    variants, skipped = expand(spec)
    assert not skipped and len(variants) == 7
    by_name = {v.name: v for v in variants}
    recompute = plan(spec, by_name["tp4pp2-recompute"], tmp_path)
    assert "--worker_num=8" in recompute.argv and "--recompute-granularity" in recompute.argv
    dry = plan(spec, by_name["tp4pp2-dryrun"], tmp_path)
    assert "--sim_level=1" in dry.argv and dry.env["MS_DRY_RUN"] == "1"
    assert dry.env["GLOG_v"] == "1"


def test_a_bad_variant_creates_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every selected variant is resolved before the first run directory is created."""
    path = write_spec(
        tmp_path,
        'command = ["echo", "{x}"]\n[[variants]]\nname = "a"\nparams = { x = 1 }\n'
        '[[variants]]\nname = "b"\n',
    )
    runs = tmp_path / "runs"
    assert main(["launch", str(path), "--runs-dir", str(runs)]) == 2
    err = capsys.readouterr().err
    assert f"{path.resolve()}: variant 'b': command[1]: placeholder {{x}} has no value" in err
    assert not runs.exists()
    assert main(["launch", str(path), "--runs-dir", str(runs), "--variant", "a"]) == 0
    assert len(list(runs.iterdir())) == 1
