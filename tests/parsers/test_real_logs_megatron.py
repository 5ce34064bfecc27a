"""Golden tests: every real Megatron-family and DeepSpeed/HF log parses to its committed records.

Regenerate after an intended parser change with ``UPDATE_GOLDENS=1 pytest tests/parsers/test_real_logs_megatron.py``
and read the diff: the numbers must match the log lines.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import real_log_files
from tests.parsers.goldens import check_golden

FAMILIES = ("megatron", "deepspeed_hf")
FILES = [(family, path) for family in FAMILIES for path in real_log_files(family)]


@pytest.mark.skipif(not FILES, reason="../shared/real_logs not found")
@pytest.mark.parametrize(("family", "path"), FILES, ids=[f"{f}/{p.name}" for f, p in FILES])
def test_real_log_matches_golden(family: str, path: Path) -> None:
    check_golden(family, path)
