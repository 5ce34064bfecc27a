"""profiler_info_{rank}.json and profiler_metadata.json: which rank, which parallel groups.

profiler_info_N.json (torch_npu / MindSpore) carries ``rank_id`` (and the profiler config);
profiler_metadata.json may carry ``parallel_group_info`` = ``{name: {"group_name": "pp" | "tp"
| ..., "global_ranks": [...]}}`` and ``distributed_args`` (tensor/pipeline sizes).
"""

from __future__ import annotations

import re
from typing import Any

_NAME_RANK = re.compile(r"profiler_info_(\d+)\.json$")


def rank_from_info(data: Any, file_name: str = "") -> int | None:
    """The rank a profiler_info file names (its ``rank_id``, else its file name)."""
    if isinstance(data, dict):
        for key in ("rank_id", "rank", "rankId"):
            value = data.get(key)
            try:
                if value is not None and int(value) >= 0:
                    return int(value)
            except (TypeError, ValueError):
                pass
    m = _NAME_RANK.search(file_name)
    return int(m.group(1)) if m else None


def stage_groups_from_metadata(data: Any) -> list[list[int]]:
    """Pipeline stages as rank lists: the ranks that are NOT in the same pp group share a stage.

    ``parallel_group_info`` lists pp groups (one rank per stage in each); stage s is the set of
    ranks at position s of every pp group. Empty when the metadata has no pp groups.
    """
    if not isinstance(data, dict):
        return []
    groups = data.get("parallel_group_info") or {}
    pp_groups: list[list[int]] = []
    for info in groups.values() if isinstance(groups, dict) else []:
        if isinstance(info, dict) and str(info.get("group_name", "")).lower() in ("pp", "pipeline"):
            ranks = sorted(int(r) for r in info.get("global_ranks") or [])
            if ranks and ranks not in pp_groups:
                pp_groups.append(ranks)
    if not pp_groups:
        return []
    depth = max(len(g) for g in pp_groups)
    return [sorted({g[s] for g in pp_groups if s < len(g)}) for s in range(depth)]
