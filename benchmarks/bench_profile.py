"""`analyzer profile` over a generated 1 GB trace_view.json and a 500 MB kernel_details.csv.

Usage: ``python -m benchmarks.bench_profile [TRACE_MB] [KERNEL_MB]`` (defaults 1024 and 500).
The files are generated into a temporary directory and deleted afterwards. Each measured
command runs in its own wrapper process so its peak RSS is its own. Baselines in the same run:
``wc -c`` and ``grep -c '"ph"'`` over the trace; ``wc -c`` and polars ``read_csv`` (all
columns, to a frame) over the CSV.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_WRAP = (
    "import resource, subprocess, sys\n"
    "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def measure(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one command."""
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", _WRAP, *cmd], check=True, capture_output=True, text=True
    )
    return time.perf_counter() - t0, int(out.stdout.strip()) / 1024


_KERNELS = (
    "aclnnMatmul_MatMulV3Common_MatMulV3",
    "aclnnAdd_AddAiCore_Add",
    "hcom_allReduce__1_0_1",
)


def _op_events(i: int, t: float) -> list[dict]:
    """One operator: its torch op, its AscendCL launch, its kernel, its overlap segment."""
    comm = i % 3 == 2
    acl = {
        "Thread Id": 4376,
        "Mode": "ACL_NN",
        "level": "acl",
        "id": "aclnnMatmul",
        "item_id": "0",
        "connection_id": i,
    }
    hw = {
        "Model Id": 4294967295,
        "Task Type": "AI_CORE",
        "Stream Id": 3,
        "Task Id": i,
        "Batch Id": 0,
        "Subtask Id": 4294967295,
        "connection_id": i,
    }
    return [
        {
            "ph": "X",
            "name": "aten::mm",
            "pid": 4376,
            "tid": 4376,
            "ts": f"{t:.3f}",
            "dur": 13.08,
            "cat": "cpu_op",
            "args": {"Sequence number": i, "Fwd thread id": 0},
        },
        {
            "name": "AscendCL@aclnnMatmul",
            "pid": 43767502,
            "tid": 4376,
            "ts": f"{t + 2:.3f}",
            "dur": 21.1,
            "args": acl,
            "ph": "X",
        },
        {
            "name": _KERNELS[i % 3],
            "pid": 800,
            "tid": 3,
            "ts": f"{t + 30:.3f}",
            "dur": 120.5,
            "args": hw,
            "ph": "X",
        },
        {
            "name": "Communication(Not Overlapped)" if comm else "Computing",
            "pid": 4376751100,
            "tid": 2 if comm else 0,
            "ts": f"{t + 30:.3f}",
            "dur": 120.5,
            "ph": "X",
        },
    ]


def _block(step: int, t0: float) -> list[dict]:
    """~1000 events of one step, shaped like torch_npu's trace_view.json."""
    ev: list[dict] = [
        {
            "ph": "X",
            "name": f"ProfilerStep#{step}",
            "pid": 4376,
            "tid": 4376,
            "ts": f"{t0:.3f}",
            "dur": 90_000.0,
            "cat": "cpu_op",
            "args": {"Sequence number": -1, "Fwd thread id": 0},
        }
    ]
    for i in range(250):
        ev += _op_events(i, t0 + 300.0 * (i + 1))
    return ev


def make_trace(path: Path, size_mb: int) -> int:
    meta = [
        {"ph": "M", "name": "process_name", "pid": 4376, "tid": 0, "args": {"name": "Python"}},
        {
            "ph": "M",
            "name": "process_name",
            "pid": 800,
            "tid": 0,
            "args": {"name": "Ascend Hardware"},
        },
        {
            "ph": "M",
            "name": "process_name",
            "pid": 4376751100,
            "tid": 0,
            "args": {"name": "Overlap Analysis"},
        },
    ]
    target, step, written = size_mb * 1_000_000, 0, 0
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("[" + ", ".join(json.dumps(e) for e in meta))
        while written < target:
            text = ", " + ", ".join(json.dumps(e) for e in _block(step, 1.7e15 + step * 100_000))
            for _ in range(20):  # same events, bytes are what is measured
                fh.write(text)
                written += len(text)
            step += 1
        fh.write("]")
    return step


def make_kernels(path: Path, size_mb: int) -> None:
    head = (
        "Step Id,Model ID,Task ID,Stream ID,Name,Type,OP State,Accelerator Core,Start Time(us),"
        "Duration(us),Wait Time(us),Block Dim,Mix Block Dim,HF32 Eligible,Input Shapes,"
        "Input Data Types,Input Formats,Output Shapes,Output Data Types,Output Formats,Context ID,"
        "aicore_time(us),aic_total_cycles,cube_utilization(%)\n"
    )
    ops = [
        ("aclnnMatmul_MatMulV3Common_MatMulV3", "MatMulV3", "AI_CORE"),
        ("aclnnAdd_AddAiCore_Add", "Add", "AI_VECTOR_CORE"),
        ("hcom_allReduce__123_0_1", "hcom_allReduce_", "HCCL"),
    ]
    lines = []
    for i in range(3000):
        name, typ, core = ops[i % 3]
        lines.append(
            f"{i // 1000},4294967295,{61653 + i},2,{name},{typ},dynamic,{core},"
            f'"{1736413971558972.912 + i * 10:.3f}\t",{185.504 + i % 7},1.087,16,0,NO,'
            f'"""81920,4096;8192,512""",DT_BF16;DT_BF16,ND;ND,"""4096,512""",DT_BF16,ND,N/A,'
            f"183.87,5295467,79.295\n"
        )
    block = "".join(lines)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(head)
        for _ in range(max(1, size_mb * 1_000_000 // len(block))):
            fh.write(block)


def _analyzer() -> str:
    return str(Path(sys.executable).with_name("analyzer"))


def _report(label: str, mb: float, wall: float, rss: float, base: float | None = None) -> None:
    ratio = f", {wall / base:.1f}x the baseline" if base else ""
    print(f"  {label:<34} {wall:7.2f} s  {mb / wall:8.0f} MB/s  peak RSS {rss:7.0f} MB{ratio}")


def main() -> None:
    trace_mb = int(sys.argv[1]) if len(sys.argv) > 1 else 1024
    kernel_mb = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    tmp = Path(tempfile.mkdtemp(prefix="bench_profile_"))
    try:
        trace = tmp / "rank_0_ascend_pt" / "ASCEND_PROFILER_OUTPUT" / "trace_view.json"
        trace.parent.mkdir(parents=True)
        steps = make_trace(trace, trace_mb)
        mb = trace.stat().st_size / 1e6
        subprocess.run(["cat", str(trace)], check=True, stdout=subprocess.DEVNULL)  # page cache
        print(f"trace_view.json: {mb:.0f} MB, {steps} steps")
        wc, wc_rss = measure(["wc", "-c", str(trace)])
        grep, grep_rss = measure(["grep", "-c", '"ph"', str(trace)])
        prof, prof_rss = measure([_analyzer(), "profile", str(trace), "--format", "json"])
        _report("wc -c", mb, wc, wc_rss)
        _report("grep -c '\"ph\"'", mb, grep, grep_rss)
        _report("analyzer profile trace_view.json", mb, prof, prof_rss, grep)
        trace.unlink()
        kernels = tmp / "kernel_details.csv"
        make_kernels(kernels, kernel_mb)
        mb = kernels.stat().st_size / 1e6
        subprocess.run(["cat", str(kernels)], check=True, stdout=subprocess.DEVNULL)
        print(f"kernel_details.csv: {mb:.0f} MB")
        wc, wc_rss = measure(["wc", "-c", str(kernels)])
        read = f"import polars as pl; pl.read_csv({str(kernels)!r}, infer_schema=False)"
        pol, pol_rss = measure([sys.executable, "-c", read])
        prof, prof_rss = measure([_analyzer(), "profile", str(kernels), "--format", "json"])
        _report("wc -c", mb, wc, wc_rss)
        _report("polars read_csv (all text)", mb, pol, pol_rss)
        _report("analyzer profile kernel_details.csv", mb, prof, prof_rss, pol)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
