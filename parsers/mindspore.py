"""Parser for MindSpore's own output: its log lines, msrun/scheduler lifecycle, the memory
summary, dry-run markers, and the LossMonitor/TimeMonitor callbacks.

Log lines (C++ and Python logger; shapes measured on this machine, see
``tests/fixtures/mindspore/README.md``)::

    [WARNING] DISTRIBUTED(7445,7f4fe97f2e40,python):2026-11-22-13:40:18.869.973 [mindspore/ccsrc/cluster/topology/cluster_context.cc:319] BuildCluster] Cluster is successfully initialized.
    [ERROR] ME(7928:140366517201792,MainProcess):2026-11-22-13:40:46.818.000 [mindspore/parallel/cluster/process_entity/_api.py:365] Worker process 7936 exit with exception. Error code: 1.

Levels: ERROR → ``log_error`` (error), CRITICAL/EXCEPTION → ``log_error`` (fatal), WARNING →
``log_warning``; INFO/DEBUG lines are claimed but give nothing unless they carry a marker. A
message naming a failure (CANN code, HCCL timeout, OOM) becomes that failure's event. The event
``message`` is the log message without the prefix; ``extra`` holds ``module``, ``pid``, ``source``.

Decisions:
- ``Worker process N exit with exception. Error code: C.``: N is the worker's PID, not its rank
  (checked against the worker logs); the event carries ``extra.pid`` and ``extra.exit_code``.
- ``Cluster currently has N alive nodes.`` repeats every 5 s in scheduler.log: claimed, no record
  (node_registered/node_unregistered already carry every change).
- LossMonitor prints the step within its epoch; ``step`` is made global by adding the steps of
  the epochs before (from TimeMonitor's epoch/per-step ratio when present, else the epoch's last
  printed step); the printed value stays in ``extra.step_in_epoch``.
- TimeMonitor's ``epoch time`` / ``per step time`` are epoch averages, not a step's own time:
  they become ``timer`` records ``epoch_time`` and ``per_step_time`` at the epoch's last step.
"""

from __future__ import annotations

import re
from typing import ClassVar

from parsers.base import BaseParser, Record, first_number
from parsers.failures_lines import failure_event
from parsers.mindspore_common import config, event, ms_timestamp
from parsers.mindspore_memory import memory_record
from parsers.mindspore_samples import MINDSPORE_SAMPLES

_LEVELS = ("[DEBUG]", "[INFO]", "[WARNING]", "[ERROR]", "[CRITICAL]", "[EXCEPTION]")
_PREFIX = re.compile(
    r"\[(DEBUG|INFO|WARNING|ERROR|CRITICAL|EXCEPTION)\] ([A-Z_]+)\(([0-9]+)(?:[,:][0-9a-fA-Fx]+)?"
    r",[^)]{0,64}\):([0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9]{2}:[0-9]{2}:[0-9]{2})[.0-9]* "
)
_SOURCE = re.compile(r"\[([^\]\s]{1,300})\] ")
_CPP_FUNC = re.compile(r"[^\s\]]{1,200}\] ")
_SEVERITY = {
    "ERROR": ("log_error", "error"),
    "CRITICAL": ("log_error", "fatal"),
    "EXCEPTION": ("log_error", "fatal"),
    "WARNING": ("log_warning", "warning"),
}
_NODE_REGISTERED = re.compile(
    r"The new node: ([^()\s]+)\(role: ([A-Z_]+)\), rank id: ([0-9]+)"
    r"(?:.*?registered node number: ([0-9]+), expected node number: ([0-9]+))?"
)
_NODE_UNREGISTERED = re.compile(r"Node ([^\s]+) has unregistered")
_WORKER_EXIT = re.compile(r"Worker process ([0-9]+) exit with exception\. Error code: (-?[0-9]+)")
_TIMEOUT_NODES = re.compile(r"Time out nodes are \[([^\]]*)\]")
_NODE_TIMED_OUT = re.compile(r"The node: ([0-9]+) is timed out")
_DRYRUN_ENV = re.compile(r"(MS_SIMULATION_LEVEL|MS_DRY_RUN|sim_level)[\s=:'\"]*([0-9]?)")
_LOSS_MONITOR = re.compile(r"^epoch: ([0-9]+) step: ([0-9]+), loss is (.*)$")
_TIME_MONITOR = re.compile(
    r"^(?:[A-Z][a-z]+ )?epoch time: ([0-9]+(?:\.[0-9]*)?|\.[0-9]+) ms, "
    r"per step time: ([0-9]+(?:\.[0-9]*)?|\.[0-9]+) ms"
)
_SILENT = ("Cluster currently has", "Event base dispatch success", "MindSpore memory base address")
#: Start-up chatter MindSpore logs at WARNING in every healthy msrun job (measured here): claimed
#: without a record, or each run would carry dozens of meaningless warnings. A cluster that never
#: forms still shows: no ``cluster_ready``, then the scheduler's timeout errors.
_ROUTINE = (
    "Topology build timed out., retry(",
    "Connection ",
    "Failed to connect to the meta server node url",
    "Failed to register and try to reconnect to the meta server",
    "This node ",
    "The worker node start sync start",
    "Mindspore collective communication lib for group",
    "Create collective communication group",
    "The group mccl_world_group has already existed",
    "Begin to Initialize MetaServerNode",
    "Finish to Initialize MetaServerNode",
    "Rank ids are already set by numeric node ids",
    "Distributed job is spawned",
    "Event value fd:",
)
#: Literals one of which every marker an INFO/DEBUG line can carry contains.
_INFO_MARKERS = (
    "successfully initialized",
    "registered successfully",
    "has unregistered",
    "exit with exception",
    "timed out",
    "Time out nodes",
    "memory",
    "ryrun",
    "ry run",
    "sim_level",
    "imulation_level",
    "IMULATION_LEVEL",
    "Traceback",
)
_MSRUN_ECHO = ("Start worker process with rank id:", "Start scheduler process, log file:")


class MindSporeParser(BaseParser):
    """MindSpore log lines, msrun lifecycle, memory summary, Loss/TimeMonitor (module docstring)."""

    name: ClassVar[str] = "mindspore"
    TRIGGERS: ClassVar[tuple[str, ...]] = (
        *_LEVELS,
        "memory size",
        "peak memory usage",
        "memory base address",
        "epoch: ",
        "epoch time: ",
        "MS_SIMULATION_LEVEL",
        "MS_DRY_RUN",
        "sim_level",
        *_MSRUN_ECHO,
    )
    SAMPLES: ClassVar[list[tuple[str, list[Record]]]] = MINDSPORE_SAMPLES

    def __init__(self) -> None:
        self._dryrun_seen = False
        self._epoch: int | None = None
        self._offset = 0
        self._last_in_epoch = 0
        self._epoch_size: int | None = None
        self._last_step: int | None = None

    def feed(self, text: str, lineno: int) -> list[Record] | None:
        if text.startswith("["):
            m = _PREFIX.match(text)
            if m is not None:
                return self._log_line(m, text, lineno)
        mem = memory_record(text, lineno)
        if mem is not None:
            return mem
        if "MindSpore memory base address" in text:
            return []
        if text.startswith("epoch: "):
            return self._loss_monitor(text, lineno)
        if "epoch time: " in text:
            return self._time_monitor(text, lineno)
        if text.startswith(_MSRUN_ECHO):
            return []
        if "MS_SIMULATION_LEVEL" in text or "MS_DRY_RUN" in text or "sim_level" in text:
            return self._dryrun_env(text, lineno)
        return None

    # -- prefixed log lines ------------------------------------------------------------
    def _log_line(self, m: re.Match[str], text: str, lineno: int) -> list[Record] | None:
        level = m.group(1)
        if level not in _SEVERITY and not any(k in text for k in _INFO_MARKERS):
            return []  # INFO/DEBUG without a marker: the common case under GLOG_v=1, kept cheap
        module, pid = m.group(2), int(m.group(3))
        ts = ms_timestamp(m.group(4))
        rest = text[m.end() :]
        source = None
        s = _SOURCE.match(rest)
        if s is not None:
            source = s.group(1)
            rest = rest[s.end() :]
            if not source.endswith(".py"):
                f = _CPP_FUNC.match(rest)
                if f is not None:
                    rest = rest[f.end() :]
        msg = rest.strip()
        if msg.startswith("Traceback (most recent call last)"):
            return None  # the failure parser takes the frames that follow
        extra: dict[str, object] = {"module": module, "pid": pid}
        if source:
            extra["source"] = source
        got = self._marker(msg, lineno, ts, extra)
        if got is not None:
            return got
        if level not in _SEVERITY:
            return []
        failure = failure_event(msg, lineno)
        if failure is not None:
            failure["message"] = msg
            failure["timestamp"] = ts
            failure.setdefault("extra", {}).update(extra)
            return [failure]
        type_, severity = _SEVERITY[level]
        return [event(type_, severity, msg, lineno, timestamp=ts, extra=extra)]

    def _marker(
        self, msg: str, lineno: int, ts: str | None, extra: dict[str, object]
    ) -> list[Record] | None:
        """Lifecycle markers and silent lines; None when the message is no marker."""
        if msg.startswith(_SILENT) or msg.startswith(_ROUTINE):
            return []
        mem = memory_record(msg, lineno, ts)
        if mem is not None:
            return mem
        if "Cluster is successfully initialized" in msg:
            return [event("cluster_ready", "info", msg, lineno, timestamp=ts, extra=extra)]
        if "registered successfully" in msg:
            return self._registered(msg, lineno, ts, extra)
        if "has unregistered" in msg:
            n = _NODE_UNREGISTERED.search(msg)
            if n:
                extra["node_id"] = n.group(1)
            return [event("node_unregistered", "info", msg, lineno, timestamp=ts, extra=extra)]
        w = _WORKER_EXIT.search(msg)
        if w is not None:
            extra.update(pid=int(w.group(1)), exit_code=int(w.group(2)))
            return [event("worker_exit", "error", msg, lineno, timestamp=ts, extra=extra)]
        nodes = _timed_out_nodes(msg)
        if nodes is not None:
            extra.update(nodes=nodes, kind="node_heartbeat")
            rank = nodes[0] if len(nodes) == 1 else None
            return [
                event("comm_timeout", "error", msg, lineno, timestamp=ts, extra=extra, rank=rank)
            ]
        low = msg.lower()
        if "dryrun" in low or "dry run" in low or "sim_level" in low or "simulation_level" in low:
            return self._dryrun(lineno)
        return None

    def _registered(
        self, msg: str, lineno: int, ts: str | None, extra: dict[str, object]
    ) -> list[Record]:
        n = _NODE_REGISTERED.search(msg)
        rank = None
        if n is not None:
            rank = int(n.group(3))
            extra.update(node_id=n.group(1), role=n.group(2))
            if n.group(4):
                extra.update(registered=int(n.group(4)), expected=int(n.group(5)))
        return [event("node_registered", "info", msg, lineno, timestamp=ts, extra=extra, rank=rank)]

    # -- dry run -----------------------------------------------------------------------
    def _dryrun(self, lineno: int) -> list[Record]:
        if self._dryrun_seen:
            return []
        self._dryrun_seen = True
        return [config("dryrun", "true", lineno)]

    def _dryrun_env(self, text: str, lineno: int) -> list[Record] | None:
        m = _DRYRUN_ENV.search(text)
        if m is None:
            return None
        if m.group(2) == "0":
            return []
        return self._dryrun(lineno)

    # -- LossMonitor / TimeMonitor -----------------------------------------------------
    def _loss_monitor(self, text: str, lineno: int) -> list[Record] | None:
        m = _LOSS_MONITOR.match(text)
        if m is None:
            return None
        epoch, in_epoch = int(m.group(1)), int(m.group(2))
        if self._epoch is not None and epoch > self._epoch:
            self._offset += self._epoch_size or self._last_in_epoch
            self._epoch_size = None
        self._epoch = epoch
        self._last_in_epoch = in_epoch
        step = self._offset + in_epoch
        self._last_step = step
        rec: Record = {
            "kind": "step",
            "line": lineno,
            "step": step,
            "epoch": float(epoch),
            "extra": {"step_in_epoch": in_epoch},
        }
        loss = first_number(m.group(3))
        if loss is not None:
            rec["loss"] = loss
        return [rec]

    def _time_monitor(self, text: str, lineno: int) -> list[Record] | None:
        m = _TIME_MONITOR.match(text)
        if m is None:
            return None
        epoch_ms, step_ms = float(m.group(1)), float(m.group(2))
        if step_ms > 0:
            self._epoch_size = round(epoch_ms / step_ms)
        out: list[Record] = []
        for name, ms in (("epoch_time", epoch_ms), ("per_step_time", step_ms)):
            rec: Record = {"kind": "timer", "line": lineno, "name": name, "ms": ms}
            if self._last_step is not None:
                rec["step"] = self._last_step
            out.append(rec)
        return out


def _timed_out_nodes(msg: str) -> list[int] | None:
    m = _TIMEOUT_NODES.search(msg)
    if m is not None:
        return [int(x) for x in re.findall(r"[0-9]+", m.group(1))]
    m = _NODE_TIMED_OUT.search(msg)
    if m is not None:
        return [int(m.group(1))]
    return None
