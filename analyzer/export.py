"""``analyzer export``: every frame of every run as Parquet, plus the comparison and a manifest.

Writes ``steps``, ``memory``, ``timers``, ``events``, ``config`` and ``summary`` ``.parquet`` files
(one file per kind, all runs, a ``run`` column) and ``manifest.json`` (versions, runs, source files
with sizes and modification times, rows per file). A new directory is built beside the target and
renamed into place, so a reader never sees half an export; an existing export is replaced only
with ``force``.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import os
import platform
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from analyzer import __version__
from analyzer.atomic import target_mode
from analyzer.errors import InputError
from analyzer.store import RunData
from analyzer.summary import Comparison, compare_table
from parsers import FRAME_NAMES, KINDS

EXPORT_FILES = (*(f"{FRAME_NAMES[k]}.parquet" for k in KINDS), "summary.parquet", "manifest.json")


def combined(datas: list[RunData], kind: str) -> pl.LazyFrame:
    """One kind over every run, with the run's (unique) name in ``run`` (lazy: streamed out)."""
    frames = [d.scan(kind).with_columns(run=pl.lit(d.name, pl.String)) for d in datas]
    return pl.concat(frames, how="vertical_relaxed")


def _file_entry(path: Path, rank: int | None) -> dict[str, Any]:
    entry: dict[str, Any] = {"path": str(path), "rank": rank}
    with contextlib.suppress(OSError):
        st = path.stat()
        entry["size"] = st.st_size
        entry["mtime"] = datetime.fromtimestamp(st.st_mtime, UTC).isoformat()
    return entry


def _dist_version(name: str) -> str | None:
    """An installed package's version without importing it (pyarrow needs NumPy 2 to import)."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def manifest(datas: list[RunData], rows: dict[str, int]) -> dict[str, Any]:
    """What was exported, from which files, by which versions."""
    return {
        "format": "analyzer-export/1",
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": {
            "analyzer": __version__,
            "polars": pl.__version__,
            "pyarrow": _dist_version("pyarrow"),
            "python": platform.python_version(),
        },
        "files": rows,
        "runs": [
            {
                "run": d.name,
                "path": str(d.run.path),
                "lines": d.stats.lines,
                "records": dict(d.stats.records),
                "notes": list(d.notes),
                "sources": [_file_entry(f.path, f.rank) for f in d.run.files],
            }
            for d in datas
        ],
    }


def _write_all(tmp: Path, datas: list[RunData], comparison: Comparison) -> None:
    rows: dict[str, int] = {}
    for kind in KINDS:
        name = f"{FRAME_NAMES[kind]}.parquet"
        combined(datas, kind).sink_parquet(tmp / name)
        rows[name] = pl.scan_parquet(tmp / name).select(pl.len()).collect().item()
    comparison.table.write_parquet(tmp / "summary.parquet")
    rows["summary.parquet"] = comparison.table.height
    text = json.dumps(manifest(datas, rows), indent=2, ensure_ascii=False) + "\n"
    (tmp / "manifest.json").write_text(text, encoding="utf-8")


def check_target(out: Path, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise InputError(f"{out} exists and is not a directory")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise InputError(f"{out} exists and is not empty; pass --force to replace the export")
    if out.is_dir() and force and any(p.name not in EXPORT_FILES for p in out.iterdir()):
        raise InputError(f"{out} holds files that are not an export; refusing to replace it")
    if not out.parent.is_dir() and str(out.parent):
        raise InputError(f"{out.parent}: no such directory")


def export_runs(
    datas: list[RunData], out: Path, *, force: bool = False, comparison: Comparison | None = None
) -> Path:
    """Write the export directory ``out`` atomically (build beside it, then rename)."""
    out = Path(out)
    check_target(out, force)
    comparison = comparison if comparison is not None else compare_table(datas)
    parent = out.parent if str(out.parent) else Path(".")
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=parent))
    except OSError as exc:
        raise InputError(f"{out}: cannot write there ({exc.strerror})") from None
    try:
        _write_all(tmp, datas, comparison)
        tmp.chmod(target_mode(out, directory=True))  # mkdtemp's 0700 → mkdir's, or the old one's
        if out.is_dir():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=parent))
            os.replace(out, old / "export")
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out
