"""`analyzer check`: formats, exit codes, configuration from TOML and flags, silences."""

from __future__ import annotations

import json
import shutil

import pytest

from analyzer.cli import main
from analyzer.errors import InputError
from analyzer.health_config import HealthConfig, apply_rule_param, load_config
from tests.health.make_runs import make_run


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = tmp_path_factory.mktemp("check_cli")
    make_run(root, "clean")
    make_run(root, "oom")
    return root


def run_check(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["check", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def test_clean_exits_0(root, capsys):
    code, out, err = run_check(capsys, root / "clean")
    assert (code, out) == (0, "")
    assert "0 findings" in err


def test_text_format(root, capsys):
    code, out, _ = run_check(capsys, root / "oom")
    lines = out.splitlines()
    assert code == 1 and len(lines) == 2  # the root cause, then the merged consequences
    assert lines[0].startswith("error crash oom rank5 step90: rank 5: out of memory")
    assert lines[0].endswith("worker_5.log:182)")


def test_json_format(root, capsys):
    code, out, _ = run_check(capsys, root, "--format", "json")
    found = json.loads(out)
    assert code == 1 and {f["run"] for f in found} == {"oom"}
    assert set(found[0]) == {"rule", "severity", "run", "rank", "step", "message", "evidence"}


def test_github_format(root, capsys):
    _, out, _ = run_check(capsys, root / "oom", "--format", "github")
    first = out.splitlines()[0]
    assert first.startswith("::error file=")
    assert ",line=182,title=crash (oom)::[rank 5, step 90] rank 5: out of memory" in first


def test_silence_and_rule_param(root, capsys, tmp_path):
    assert run_check(capsys, root, "--silence", "crash:oo*")[0] == 0
    assert run_check(capsys, root, "--silence", "crash:other")[0] == 1
    assert run_check(capsys, root, "--rule-param", "crash.enabled=false")[0] == 0
    toml = tmp_path / "health.toml"
    toml.write_text('silence = ["crash"]\n[rules.hang]\nfloor_s = 30\n')
    assert run_check(capsys, root, "--config", toml)[0] == 0


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--rule-param", "hang.floorr=3"], "unknown parameter hang.floorr"),
        (["--rule-param", "hang.floor_s=soon"], "hang.floor_s must be float"),
        (["--rule-param", "nope"], "expected RULE.PARAM=VALUE"),
        (["--silence", "hangs"], "unknown rule"),
        (["--config", "/nonexistent/health.toml"], "/nonexistent/health.toml"),
    ],
)
def test_bad_options_exit_2_with_one_line(root, capsys, args, needle):
    code, out, err = run_check(capsys, root / "clean", *args)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and needle in err


@pytest.mark.parametrize(
    "spec, allowed",
    [
        ("loss_spike.window=0", ">= 3"),
        ("divergence.block=0", ">= 1"),
        ("memory_growth.min_points=0", ">= 2"),
        ("memory_growth.min_points=1", ">= 2"),
        ("slow_rank.window=0", ">= 1"),
        ("hang.k=-1", ">= 0"),
        ("loss_spike.factor=-1", ">= 1"),
        ("hang.floor_s=0", "> 0"),
        ("nan.skipped_fraction=1.5", "> 0 and <= 1"),
        ("hang.floor_s=nan", "> 0"),
    ],
)
def test_out_of_range_rule_params_exit_2_naming_the_range(root, capsys, tmp_path, spec, allowed):
    name = spec.split("=")[0]
    code, out, err = run_check(capsys, root / "clean", "--rule-param", spec)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert f"{name} = " in err and f"out of range: allowed {allowed}" in err
    rule, param = name.split(".")
    toml = tmp_path / "health.toml"
    toml.write_text(f"[rules.{rule}]\n{param} = {spec.split('=')[1]}\n")
    code, out, err = run_check(capsys, root / "clean", "--config", toml)
    assert code == 2 and str(toml) in err and f"allowed {allowed}" in err


def test_every_numeric_parameter_has_bounds_that_admit_its_default():
    from analyzer.health_config import BOUNDS, DEFAULTS

    for rule, params in DEFAULTS.items():
        for name, default in params.items():
            if isinstance(default, int | float) and not isinstance(default, bool):
                assert BOUNDS[rule][name].admits(default), (rule, name)


def test_nothing_parseable_exits_2(capsys, tmp_path):
    """CONTRACT.md: nothing parseable found is an input error (not "0 findings in 1 runs")."""
    log = tmp_path / "notes.log"
    log.write_text("hello\nworld\n")
    code, out, err = run_check(capsys, log)
    assert (code, out) == (2, "") and err.count("\n") == 1
    assert "nothing parseable found (2 lines read, none recognised)" in err


def test_missing_path_exits_2(capsys, tmp_path):
    code, _, err = run_check(capsys, tmp_path / "nothing")
    assert code == 2 and err.startswith("analyzer: error:")


def test_bad_toml(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[rules.hang\n")
    with pytest.raises(InputError, match="not valid TOML"):
        load_config(bad)
    bad.write_text("[rules.hang]\nk = true\n")
    with pytest.raises(InputError, match=r"hang\.k must be float"):
        load_config(bad)


def test_rule_param_types():
    cfg = HealthConfig()
    apply_rule_param(cfg, "hang.floor_s=5")  # an int where a float is expected is fine
    apply_rule_param(cfg, "slow_rank.window=20")
    assert cfg.get("hang", "floor_s") == 5.0 and cfg.get("slow_rank", "window") == 20
    with pytest.raises(InputError):
        apply_rule_param(cfg, "slow_rank.window=2.5")


def test_control_characters_in_logs_are_not_printed(root, capsys, tmp_path):
    run = tmp_path / "evil"
    shutil.copytree(root / "oom", run)
    log = run / "worker_5.log"
    log.write_text(
        log.read_text().replace("NPU out of memory", "NPU out of memory\x1b]0;pwned\x07")
    )
    code, out, _ = run_check(capsys, run)
    assert code == 1 and "\x1b" not in out and "\x07" not in out


def test_github_format_strips_escapes_from_file_and_title(root, capsys, tmp_path):
    """The run's name and path (a directory name) go into file= and title=: no escapes there."""
    run = tmp_path / "run\x1b]0;pwned\x07,x:y"
    shutil.copytree(root / "oom", run)
    code, out, _ = run_check(capsys, run, "--format", "github")
    assert code == 1 and out.startswith("::error file=")
    assert "\x1b" not in out and "\x07" not in out
    assert "title=crash (run%2Cx%3Ay)::" in out and "/run%2Cx%3Ay/worker_5.log," in out


def test_list_rules_round_trips_as_a_config(capsys, tmp_path):
    code, out, _ = run_check(capsys, "--list-rules", "--rule-param", "hang.floor_s=60")
    assert code == 0 and "[rules.hang]" in out and "floor_s = 60.0" in out
    toml = tmp_path / "health.toml"
    toml.write_text(out)
    assert load_config(toml).get("hang", "floor_s") == 60.0
    assert run_check(capsys)[0] == 2  # no PATH and no --list-rules
