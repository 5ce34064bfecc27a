"""Single-line failure shapes, shared by every family.

:func:`failure_event` turns one line into a failure event (collective timeout, CANN error code,
out of memory, torchrun worker exit, segfault) or None. The MindSpore and MindFormers parsers
call it on their own ERROR/WARNING lines so a CANN code inside a MindSpore log prefix is still a
``cann_error``, not a bare ``log_error``.
"""

from __future__ import annotations

import re

from parsers.base import Record
from parsers.mindspore_common import event

# torch/torch_npu watchdog: "[Rank 3] Watchdog caught collective operation timeout:
# WorkNCCL(SeqNum=12, OpType=ALLREDUCE, NumelIn=1, NumelOut=1, Timeout(ms)=600000) ran for
# 600012 milliseconds before timing out." (NVIDIA/Megatron-LM#1207, hiyouga/LlamaFactory#7396)
_WATCHDOG = "Watchdog caught collective operation timeout"
_WORK = re.compile(r"Work([A-Z]+)\(SeqNum=([0-9]+), OpType=([A-Za-z_]+)")
_TIMEOUT_MS = re.compile(r"Timeout\(ms\)=([0-9]+)")
_RAN_FOR = re.compile(r"ran for ([0-9]+) milliseconds")
_RANK_IN_BRACKETS = re.compile(r"\[(?:PG [^\]]*?)?Rank ([0-9]+)\]")

# CANN error codes: "EI0002: [PID: 13075] 2025-06-25-10:45:23.586.187 The wait execution of the
# Notify register times out." (vllm-project/vllm-ascend#1443), "Communication_Error_Get_Socket
# (EI0006)" (vllm-project/afd-plugin#229), "EL0004: Failed to allocate memory.", "EE9999: Inner Error!"
_CANN_CODE = re.compile(r"(?:^|[\s(\[])(E[0-9A-Z][0-9]{4})(?=[:)\]]|$)")
#: Literal prefilter for the codes: their first two characters.
CANN_TRIGGERS: tuple[str, ...] = (
    *(f"E{c}" for c in "ABCDFGHIJKLMNPRSTUWZ"),
    "EE",
    *(f"E{d}" for d in "123456789"),
)
_CANN_TIMEOUTS = {"EI0002", "EI0006"}
_CANN_OOM = {"EL0004"}
_HCCL_TAG = re.compile(r"tag\[([A-Za-z]+)_")
_RANK_ID = re.compile(r"rankId\[([0-9]+)\]")
_EXEC_TIMEOUT = re.compile(r"default ([0-9]+)s")

OOM_MARKERS: tuple[str, ...] = (
    "OutOfMemoryError",
    "out of memory",
    "Out of memory",
    "OUT_OF_MEMORY",
    "EL0004",
)

# torchrun: "failed (exitcode: -9) local_rank: 5 (pid: 2630) of binary: /root/miniconda3/bin/python"
# (lmzpai/roboMamba#10, showlab/EgoVLP#21)
_TORCHRUN_FAILED = re.compile(
    r"failed \(exitcode: (-?[0-9]+)\) local_rank: ([0-9]+) \(pid: ([0-9]+)\)(?: of binary: (\S+))?"
)

SEGFAULT_MARKERS: tuple[str, ...] = (
    "Segmentation fault",
    "SIGSEGV",
    "Fatal Python error",
    "SIGABRT",
    "Bus error",
)

_SIGNALS = {
    -4: "SIGILL",
    -6: "SIGABRT",
    -7: "SIGBUS",
    -9: "SIGKILL",
    -11: "SIGSEGV",
    -15: "SIGTERM",
}

# Slurm (its documented srun/slurmstepd messages): "srun: error: nid001234: task 3: Exited with
# exit code 1", "srun: error: node1: tasks 0-7: Killed", "slurmstepd: error: Detected 1 oom-kill
# event(s) in StepId=1234.0 ...", "slurmstepd: error: *** STEP 1234.0 ON node1 CANCELLED AT
# 2024-05-01T10:11:12 DUE TO TIME LIMIT ***".
SLURM_TRIGGERS: tuple[str, ...] = ("srun: error:", "slurmstepd: error:")
_SRUN_TASKS = re.compile(
    r"srun: error: (\S+): tasks? ([0-9]+(?:[-,][0-9]+)*): (?:Exited with exit code ([0-9]+)|(.+))$"
)
_SRUN_SIGNALS = {"Killed": -9, "Segmentation fault": -11, "Aborted": -6, "Terminated": -15}
_STEPD_OOM = re.compile(r"Detected ([0-9]+) oom.kill event")
_STEPD_CANCELLED = re.compile(
    r"\*\*\* (STEP|JOB) (\S+) ON (\S+) CANCELLED AT (\S+)(?: DUE TO ([A-Z ]+?))? \*\*\*"
)

_ISO = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})[-_ T]([0-9]{2}:[0-9]{2}:[0-9]{2})")


def timestamp_in(text: str) -> str | None:
    """ISO 8601 (to the second) of the first dated timestamp on the line, if any."""
    m = _ISO.search(text)
    return f"{m.group(1)}T{m.group(2)}" if m else None


def exit_extra(code: int) -> dict[str, object]:
    """``extra`` for a worker exit: the code, the signal it encodes, the OOM-killer hint for -9."""
    extra: dict[str, object] = {"exit_code": code}
    if code in _SIGNALS:
        extra["signal"] = _SIGNALS[code]
    if code == -9:
        extra["oom_killer_suspected"] = True
    return extra


def is_oom(text: str) -> bool:
    return any(m in text for m in OOM_MARKERS) or text.lstrip().startswith("MemoryError")


#: Cheap gate: the literals of every single-line shape, then the CANN code pattern.
_GATE_LITERALS = (
    *SLURM_TRIGGERS,
    "Watchdog caught",
    "exitcode",
    "HCCL",
    "emory",
    "OUT_OF_MEMORY",
    "Segmentation fault",
    "SIGSEGV",
    "SIGABRT",
    "Fatal Python error",
    "Bus error",
)
_CODE_GATE = re.compile(r"E[0-9A-Z][0-9]{4}")


#: What Python prints last for an uncaught exception, at the start of a line: a class name
#: ending in Error/Exception (``RuntimeError``, ``torch.OutOfMemoryError``), ``: `` and a message.
_BARE_EXCEPTION = re.compile(
    r"(?:[A-Za-z_][A-Za-z0-9_]*\.){0,6}[A-Z][A-Za-z0-9_]{0,80}(?:Error|Exception): \S"
)


def bare_exception(text: str, lineno: int) -> Record | None:
    """``RuntimeError: boom`` on a line of its own, without the traceback before it (the frames
    went elsewhere, or the program printed the exception itself before exiting): a
    ``traceback`` event with ``extra.bare`` (an out-of-memory one is caught before, as ``oom``)."""
    if "Error: " not in text and "Exception: " not in text:
        return None
    if _BARE_EXCEPTION.match(text) is None:
        return None
    return event("traceback", "error", text, lineno, extra={"bare": True})


def failure_event(text: str, lineno: int) -> Record | None:
    """The failure event one line states on its own, or None."""
    if not any(lit in text for lit in _GATE_LITERALS) and _CODE_GATE.search(text) is None:
        return None
    if "error:" in text and ("srun" in text or "slurmstepd" in text):
        got = _slurm(text, lineno)
        if got is not None:
            return got
    if _WATCHDOG in text:
        return _watchdog(text, lineno)
    if "exitcode" in text:
        got = _torchrun_failed(text, lineno)
        if got is not None:
            return got
    if "E" in text:
        got = _cann(text, lineno)
        if got is not None:
            return got
    if "HCCL" in text and ("timeout" in text or "timed out" in text or "times out" in text):
        return event("comm_timeout", "error", text, lineno, timestamp=timestamp_in(text))
    if is_oom(text) and ("memory" in text.lower() or "EL0004" in text):
        return event("oom", "fatal", text, lineno, timestamp=timestamp_in(text))
    if any(m in text for m in SEGFAULT_MARKERS):
        return event("segfault", "fatal", text, lineno, timestamp=timestamp_in(text))
    return None


def _watchdog(text: str, lineno: int) -> Record:
    extra: dict[str, object] = {}
    m = _WORK.search(text)
    if m:
        extra.update(backend=m.group(1), seq=int(m.group(2)), op_type=m.group(3))
    m = _TIMEOUT_MS.search(text)
    if m:
        extra["timeout_ms"] = int(m.group(1))
    m = _RAN_FOR.search(text)
    if m:
        extra["ran_for_ms"] = int(m.group(1))
    m = _RANK_IN_BRACKETS.search(text)
    rank = int(m.group(1)) if m else None
    return event("comm_timeout", "error", text, lineno, extra=extra, rank=rank)


def _torchrun_failed(text: str, lineno: int) -> Record | None:
    m = _TORCHRUN_FAILED.search(text)
    if m is None:
        return None
    extra = exit_extra(int(m.group(1)))
    extra.update(local_rank=int(m.group(2)), pid=int(m.group(3)))
    if m.group(4):
        extra["binary"] = m.group(4)
    return event("worker_exit", "error", text, lineno, extra=extra, timestamp=timestamp_in(text))


def _cann(text: str, lineno: int) -> Record | None:
    m = _CANN_CODE.search(text)
    if m is None:
        return None
    code = m.group(1)
    extra: dict[str, object] = {"code": code}
    ts = timestamp_in(text)
    if code in _CANN_OOM:
        return event("oom", "fatal", text, lineno, extra=extra, timestamp=ts)
    if code in _CANN_TIMEOUTS:
        tag = _HCCL_TAG.search(text)
        if tag:
            extra["op_type"] = tag.group(1)
        limit = _EXEC_TIMEOUT.search(text)
        if limit:
            extra["timeout_ms"] = int(limit.group(1)) * 1000
        rid = _RANK_ID.search(text)
        rank = int(rid.group(1)) if rid else None
        return event("comm_timeout", "error", text, lineno, extra=extra, timestamp=ts, rank=rank)
    return event("cann_error", "error", text, lineno, extra=extra, timestamp=ts)


def _slurm(text: str, lineno: int) -> Record | None:
    """srun's per-task exit lines (rank = the task id) and slurmstepd's OOM and cancel lines."""
    m = _SRUN_TASKS.search(text)
    if m is not None:
        return _srun_exit(text, lineno, m)
    m = _STEPD_OOM.search(text)
    if m is not None:
        extra = {"oom_kill_events": int(m.group(1))}
        return event("oom", "fatal", text, lineno, extra=extra, timestamp=timestamp_in(text))
    m = _STEPD_CANCELLED.search(text)
    if m is not None:
        extra: dict[str, object] = {
            "scope": m.group(1).lower(),
            "id": m.group(2),
            "node": m.group(3),
        }
        if m.group(5):
            extra["reason"] = m.group(5).lower()
        return event("cancelled", "error", text, lineno, extra=extra, timestamp=timestamp_in(text))
    return None


def _srun_exit(text: str, lineno: int, m: re.Match[str]) -> Record:
    node, tasks, code, what = m.groups()
    if code is not None:
        extra = exit_extra(int(code))
    else:
        status = what.strip()
        signal = next((c for name, c in _SRUN_SIGNALS.items() if status.startswith(name)), None)
        extra = {"status": status} if signal is None else exit_extra(signal)
    extra["node"] = node
    rank = int(tasks) if tasks.isdigit() else None
    if rank is None:
        extra["tasks"] = tasks
    return event("worker_exit", "error", text, lineno, extra=extra, rank=rank)
