"""The memory chart draws the peak metric the comparison's ``peak_memory_mb`` is taken from."""

from __future__ import annotations

from pathlib import Path

from analyzer.load import load_paths
from analyzer.summary import compare_table
from analyzer.tui.chartdata import ChartOptions, lines_for, memory_metric, rank_lines
from analyzer.tui.snapshot import build_snapshot
from tests.tui.conftest import make_run


def memory_line(rank: int, reserved: float) -> str:
    return (
        f"[Rank {rank}] (after 2 iterations) memory (MB) | allocated: 100.0 | "
        f"max allocated: {reserved - 50} | reserved: {reserved - 10} | max reserved: {reserved}\n"
    )


def test_memory_chart_peak_is_the_comparison_peak(tmp_path: Path) -> None:
    run = make_run(tmp_path, "tp2pp2", steps=6, total=6, ranks=2)
    with open(run / "worker_0.log", "a") as fh:  # rank 0 reports memory, rank 1 the iterations
        fh.write(memory_line(0, 900.0))
    with open(run / "worker_1.log", "a") as fh:
        fh.write(memory_line(1, 700.0))
    datas = load_paths([str(tmp_path)])
    comp = compare_table(datas)
    assert comp.table["peak_memory_metric"][0] == "max_reserved"
    view = build_snapshot(datas, watched=[str(tmp_path)], records=0, with_core=False).runs["tp2pp2"]
    assert memory_metric(view.memory) == "max_reserved"
    (line,) = lines_for([(view, "red")], "memory", ChartOptions())[0]
    assert max(line.ys) == comp.table["peak_memory_mb"][0] == 900.0  # max over ranks
    per_rank = rank_lines(view, "memory", ChartOptions(), ["red", "blue"])[0]
    assert sorted(max(li.ys) for li in per_rank) == [700.0, 900.0]
