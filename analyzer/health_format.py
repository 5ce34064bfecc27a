"""Findings as text (one per line), JSON, or GitHub Actions annotations."""

from __future__ import annotations

import json

from analyzer.health_common import Finding
from analyzer.sanitize import clean_text

FORMATS: tuple[str, ...] = ("text", "json", "github")


def _flat(text: str | None) -> str:
    """Safe for a terminal and on one line."""
    return " ".join((clean_text(text) or "").split())


def text_line(f: Finding) -> str:
    """``severity rule run rank step: message (evidence)``; '-' for an unknown rank or step."""
    rank = "-" if f.rank is None else f"rank{f.rank}"
    step = "-" if f.step is None else f"step{f.step}"
    where = f" ({_flat(f.evidence)})" if f.evidence else ""
    return f"{f.severity} {f.rule} {_flat(f.run)} {rank} {step}: {_flat(f.message)}{where}"


def brief_line(f: Finding, width: int = 160) -> str:
    """``rule run rankN stepN: message`` on one safe line of at most ``width`` characters
    (a notification's line; the evidence is on the Events screen)."""
    where = " ".join(
        [_flat(f.run)]
        + ([] if f.rank is None else [f"rank{f.rank}"])
        + ([] if f.step is None else [f"step{f.step}"])
    )
    line = f"{f.rule} {where}: {_flat(f.message)}"
    return line if len(line) <= width else line[: width - 1] + "…"


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_prop(text: str) -> str:
    """A property value (file=, title=): no terminal escapes (a run or path named by a log
    may hold them), then GitHub's escaping."""
    return _gh_data(clean_text(text) or "").replace(":", "%3A").replace(",", "%2C")


def github_line(f: Finding) -> str:
    """A workflow command: ``::error file=F,line=N,title=rule::message``."""
    level = "error" if f.severity in ("error", "fatal") else "warning"
    props = []
    if f.evidence:
        path, sep, line = f.evidence.rpartition(":")
        if sep and line.isdigit():
            props += [f"file={_gh_prop(path)}", f"line={line}"]
        else:
            props.append(f"file={_gh_prop(f.evidence)}")
    props.append(f"title={_gh_prop(f'{f.rule} ({f.run})')}")
    where = []
    if f.rank is not None:
        where.append(f"rank {f.rank}")
    if f.step is not None:
        where.append(f"step {f.step}")
    prefix = f"[{', '.join(where)}] " if where else ""
    return f"::{level} {','.join(props)}::{_gh_data(prefix + _flat(f.message))}"


def render(findings: list[Finding], fmt: str) -> str:
    """All findings in one format; text and github end with a newline when not empty."""
    if fmt == "json":
        return json.dumps([f.to_dict() for f in findings], indent=2, ensure_ascii=False) + "\n"
    line = text_line if fmt == "text" else github_line
    return "".join(line(f) + "\n" for f in findings)
