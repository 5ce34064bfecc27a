"""`analyzer check`: health findings for CI and the terminal (exit 0 none, 1 findings, 2 input)."""

from __future__ import annotations

import argparse
import sys

from analyzer.errors import InputError
from analyzer.health_config import (
    BOUNDS,
    RULES,
    HealthConfig,
    apply_rule_param,
    load_config,
)
from analyzer.health_format import FORMATS

EXAMPLES = f"""rules: {", ".join(RULES)}

examples:
  analyzer check runs/qwen_tp2pp4
  analyzer check sample_logs/qwen25_7b_strategies --format json
  analyzer check logs/ --format github          # annotations in a GitHub Actions log
  analyzer check logs/ --config health.toml --rule-param hang.floor_s=60 --silence divergence
  analyzer check logs/ --silence 'slow_rank:baseline_*'

health.toml:
  silence = ["divergence", "hang:old_run"]
  [rules.loss_spike]
  factor = 2.0
  [rules.memory_growth]
  device_total_mb = 65536

exit status: 0 no findings, 1 findings, 2 usage or input error
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "check",
        help="health findings: slow ranks, hangs, loss spikes, NaNs, crashes, leaks",
        description=(
            "Check runs for slow ranks, hangs, loss spikes and divergence, NaNs and loss-scale "
            "collapse, crashes (naming the likely root-cause rank) and memory growth."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("paths", nargs="*", metavar="PATH")
    p.add_argument("--format", default="text", choices=FORMATS)
    add_health_options(p)
    p.add_argument(
        "--no-cache", action="store_true", help="parse everything again, ignore the cache"
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no summary line on stderr")
    p.add_argument(
        "--list-rules",
        action="store_true",
        help="print every rule's parameters with their values (after --config/--rule-param)",
    )
    p.set_defaults(func=run)


def add_health_options(p: argparse.ArgumentParser) -> None:
    """``--config``, ``--rule-param``, ``--silence``: shared by check, watch --alerts and tui."""
    p.add_argument("--config", metavar="FILE.toml", help="health rule parameters and silences")
    p.add_argument(
        "--rule-param",
        action="append",
        default=[],
        metavar="RULE.PARAM=VALUE",
        help="override one health rule parameter (repeatable), e.g. hang.floor_s=60",
    )
    p.add_argument(
        "--silence",
        action="append",
        default=[],
        metavar="RULE[:RUN]",
        help="drop a rule's findings, for all runs or runs matching a glob (repeatable)",
    )


def health_options_given(args: argparse.Namespace) -> bool:
    return bool(args.config or args.rule_param or args.silence)


def build_config(args: argparse.Namespace) -> HealthConfig:
    """The file (if any), then each --rule-param, then each --silence."""
    config = load_config(args.config) if args.config else HealthConfig()
    for spec in args.rule_param:
        apply_rule_param(config, spec)
    for spec in args.silence:
        config.silence(spec)
    return config


def rules_text(config: HealthConfig) -> str:
    """``rule.param = value`` lines, in TOML syntax, ready to paste into a config file."""
    lines = []
    for rule in RULES:
        enabled = "false" if rule in config.disabled else "true"
        lines += [f"[rules.{rule}]", f"enabled = {enabled}"]
        for name, value in config.params[rule].items():
            shown = str(value).lower() if isinstance(value, bool) else repr(value)
            bounds = BOUNDS[rule].get(name)
            lines.append(f"{name} = {shown}" + (f"  # {bounds.text()}" if bounds else ""))
        lines.append("")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from analyzer.health import check
    from analyzer.health_format import render
    from analyzer.load import load_paths
    from analyzer.summary import check_parseable

    config = build_config(args)
    if args.list_rules:
        sys.stdout.write(rules_text(config))
        return 0
    if not args.paths:
        raise InputError("check needs at least one PATH (or --list-rules)")
    datas = load_paths(args.paths, use_cache=not args.no_cache)
    check_parseable(datas, args.paths)  # nothing parseable is an input error, not "0 findings"
    findings = check(datas, config=config)
    sys.stdout.write(render(findings, args.format))
    if not args.quiet:
        runs = len(datas)
        ranks = sum(len(d.run.files) for d in datas)
        print(
            f"analyzer: {len(findings)} findings in {runs} runs ({ranks} files)",
            file=sys.stderr,
        )
    return 1 if findings else 0
