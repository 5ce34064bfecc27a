"""JSON encoding of records: non-finite numbers become the strings "nan", "inf", "-inf"."""

from __future__ import annotations

import json
import math
from typing import Any


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def dumps(record: dict[str, Any]) -> str:
    """One record as one JSON line (no trailing newline), keys in a stable order."""
    return json.dumps(_clean(record), ensure_ascii=False, allow_nan=False, default=str)
