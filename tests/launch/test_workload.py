"""The demo workload's host memory report is recorded as host memory, never as device memory."""

from __future__ import annotations

from pathlib import Path

from analyzer.load import load_paths
from analyzer.summary import compare_table

# What analyzer/launch/workloads/train_lm.py's log_memory prints (MindSpore is not needed here).
REPORT = "[Rank {r}] (after {s} iterations) memory (MB) | host rss: {c:.2f} | max host rss: {p:.2f}"
ITERATION = (
    " iteration {s:8d}/       3 | consumed samples: {n:12d} | elapsed time per iteration (ms):"
    " 300.0 | throughput per GPU (TFLOP/s/GPU): 0.004 | learning rate: 3.000000E-03 |"
    " global batch size:     8 | lm loss: 5.5E+00 | loss scale: 1.0 | grad norm: 1.000 |"
    " host rss (MB): {c:.1f} | number of skipped iterations:   0 | number of nan iterations:   0 |"
)


def test_host_memory_report_is_recorded_as_host(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    lines = []
    for s in (1, 2, 3):
        lines.append(ITERATION.format(s=s, n=8 * s, c=480.0 + s))
        lines.append(REPORT.format(r=0, s=s, c=480.0 + s, p=490.0 + s))
    (run / "worker_0.log").write_text("\n".join(lines * 200) + "\n")  # bulk: vectorised path too
    (data,) = load_paths([run], use_cache=False)
    metrics = set(data.memory["metric"].unique().to_list())
    assert metrics == {"host_rss", "max_host_rss"}
    row = compare_table([data]).table.row(0, named=True)
    assert row["peak_memory_metric"] == "max_host_rss" and row["peak_memory_mb"] == 493.0
