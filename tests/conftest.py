"""Shared test helpers: where the shared real logs live (``../shared/`` beside the repo)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
REAL_LOGS = SHARED / "real_logs"


def real_log_files(family: str) -> list[Path]:
    """The ``*.log`` files of one family under ``real_logs/`` (empty when shared/ is missing)."""
    folder = REAL_LOGS / family
    return sorted(folder.glob("*.log")) if folder.is_dir() else []


@pytest.fixture(autouse=True)
def _isolated_cache(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory):
    """Every test gets its own parse cache (``$XDG_CACHE_HOME``, inherited by CLI children):
    no test reads another's entries, nor the user's ``~/.cache``."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))


@pytest.fixture
def real_logs() -> Path:
    """The real-logs directory; the test is skipped when ``../shared/real_logs`` is absent."""
    if not REAL_LOGS.is_dir():
        pytest.skip(f"{REAL_LOGS} not found (clone beside ../shared/ to run real-log tests)")
    return REAL_LOGS
