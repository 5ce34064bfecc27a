"""Pure readers of Ascend profiler output (torch_npu / MindSpore / msprof-analyze).

Frames and parsed JSON in, canonical polars frames out; no file is opened here
(``analyzer.profile`` opens files and hands their contents to these functions).
Columns are matched by header name, never by position, so the older and newer
column sets of the same file both work.
"""

from parsers.profiler.columns import numeric, pick_column
from parsers.profiler.communication import communication_frames, matrix_frame
from parsers.profiler.info import rank_from_info, stage_groups_from_metadata
from parsers.profiler.kernels import kernel_frame, op_statistic_frame
from parsers.profiler.memory import memory_record_frame, operator_memory_frame
from parsers.profiler.step_trace import STEP_COLUMNS, step_trace_frame
from parsers.profiler.trace import (
    TraceAccumulator,
    fast_ndjson,
    frames_from_pieces,
    iter_trace_frames,
    iter_trace_pieces,
)

__all__ = [
    "STEP_COLUMNS",
    "TraceAccumulator",
    "communication_frames",
    "fast_ndjson",
    "frames_from_pieces",
    "iter_trace_frames",
    "iter_trace_pieces",
    "kernel_frame",
    "matrix_frame",
    "memory_record_frame",
    "numeric",
    "op_statistic_frame",
    "operator_memory_frame",
    "pick_column",
    "rank_from_info",
    "stage_groups_from_metadata",
    "step_trace_frame",
]
