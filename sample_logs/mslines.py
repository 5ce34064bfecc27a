"""MindSpore's own log lines, as every msrun worker and the scheduler print them.

Shapes copied from a real ``msrun --worker_num=2`` run on this machine (FACTS.md) and from
MindSpore's ``log.py``: the C++ prefix ``[LEVEL] MODULE(pid,tid_hex,python):date.ms.us [file:LINE]
Function] msg`` and the Python prefix ``[LEVEL] ME(pid:tid_dec,MainProcess):date.x.y [file.py:LINE]
msg``, whose sub-second part is ``str(round(msecs * 1000))`` split after three characters
(so 93 ms prints ``.930.00`` and 0 ms prints ``.0.``). The Ascend memory summary is printed
with ``std::cout`` at process exit, so its lines are bare.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

_CLUSTER = "mindspore/ccsrc/cluster/topology"


@dataclass(frozen=True)
class Proc:
    """One process: its pid and the thread ids MindSpore prints (hex for C++, decimal for Python)."""

    pid: int
    tid: int

    @property
    def tid_hex(self) -> str:
        return f"{self.tid:x}"


def cpp_line(level: str, module: str, proc: Proc, ts: datetime, where: str, msg: str) -> str:
    """A C++ log line; ``where`` is ``file.cc:LINE] Function``."""
    stamp = (
        ts.strftime("%Y-%m-%d-%H:%M:%S")
        + f".{ts.microsecond // 1000:03d}.{ts.microsecond % 1000:03d}"
    )
    return f"[{level}] {module}({proc.pid},{proc.tid_hex},python):{stamp} [{where}] {msg}"


def py_line(level: str, proc: Proc, ts: datetime, where: str, msg: str) -> str:
    """A Python-logger line with MindSpore's unpadded sub-second part."""
    micros = str(round(ts.microsecond))  # record.msecs * 1000, rounded, no padding
    stamp = ts.strftime("%Y-%m-%d-%H:%M:%S") + f".{micros[:3]}.{micros[3:]}"
    return f"[{level}] ME({proc.pid}:{proc.tid},MainProcess):{stamp} [{where}] {msg}"


def worker_startup(proc: Proc, rank: int, world: int, t0: datetime, port: int) -> list[str]:
    """Cluster start-up lines of one worker: connect, poll until every node registered, ready."""
    ms = timedelta(milliseconds=1)
    us = timedelta(microseconds=1)
    w = "WARNING"
    lines = [
        cpp_line(
            w,
            "DISTRIBUTED",
            proc,
            t0,
            "mindspore/ccsrc/cluster/rpc/tcp/tcp_comm.cc:485] Connect",
            f"Connection {11 + rank} source: 127.0.0.1:{40100 + rank * 7}, destination: 127.0.0.1:{port}",
        )
    ]
    retries = 2 + (world - rank) % 3
    for i in range(1, retries + 1):
        lines.append(
            cpp_line(
                w,
                "DISTRIBUTED",
                proc,
                t0 + 500 * i * ms + (317 * i + 41 * rank) * us,
                f"{_CLUSTER}/cluster_context.cc:316] BuildCluster",
                f"Topology build timed out., retry({i}/1200).",
            )
        )
    ready = t0 + (500 * retries + 3) * ms + (509 + 23 * rank) * us
    lines.append(
        cpp_line(
            w,
            "DISTRIBUTED",
            proc,
            ready,
            f"{_CLUSTER}/cluster_context.cc:319] BuildCluster",
            "Cluster is successfully initialized.",
        )
    )
    lines.append(
        cpp_line(
            w,
            "DISTRIBUTED",
            proc,
            ready + ms,
            f"{_CLUSTER}/cluster_context.cc:428] PostProcess",
            f"This node {rank} rank id: {rank}",
        )
    )
    return lines


def worker_python_warnings(proc: Proc, ts: datetime) -> list[str]:
    """The Python-level warnings MindSpore and MSAdapter print while MindSpeed-LLM starts."""
    ms = timedelta(milliseconds=1)
    return [
        py_line(
            "WARNING",
            proc,
            ts,
            "mindspore/context.py:1402",
            "For 'context.set_context', the parameter 'ascend_config' will be deprecated and removed "
            "in a future version. Please use the api mindspore.device_context.ascend.op_precision."
            "precision_mode(),mindspore.device_context.ascend.op_precision.op_precision_mode() instead.",
        ),
        py_line(
            "WARNING",
            proc,
            ts + 93 * ms,
            "mindspore/context.py:1652",
            "For 'context.set_context', the parameter 'max_device_memory' will be deprecated and "
            "removed in a future version. Please use the api "
            "mindspore.runtime.set_memory(max_size) instead.",
        ),
        cpp_line(
            "WARNING",
            "ME",
            proc,
            ts + 412 * ms,
            "mindspore/ccsrc/runtime/hardware_abstract/collective/collective_manager.cc:368] "
            "CreateCommunicationGroup",
            "Create collective communication group: hccl_world_group [const vector]{0-7}, async: 0",
        ),
    ]


def worker_shutdown(proc: Proc, ts: datetime) -> list[str]:
    """The two INFO lines every worker prints last."""
    ms = timedelta(milliseconds=1)
    rpc = "mindspore/ccsrc/cluster/rpc/core/communicator"
    return [
        cpp_line(
            "INFO",
            "DISTRIBUTED",
            proc,
            ts,
            f"{rpc}/tcp_server.cc:314] Start",
            "Event base dispatch success!",
        ),
        cpp_line(
            "INFO",
            "DISTRIBUTED",
            proc,
            ts + ms,
            f"{rpc}/tcp_client.cc:367] Start",
            "Event base dispatch success!",
        ),
    ]


def memory_summary(
    device_mb: int, used_mb: int, base: int, peak_used: int, peak_actual: int
) -> list[str]:
    """The Ascend plugin's memory summary (std::cout, bare lines), as seed 004 shows it."""
    return [
        f"Device MOC memory size: {device_mb}M",
        f"MindSpore Used memory size: {used_mb}M",
        f"MindSpore memory base address: 0x{base:x}",
        f"Used peak memory usage (without fragments): {peak_used}M",
        f"Actual peak memory usage (with fragments): {peak_actual}M",
    ]


def scheduler_log(proc: Proc, world: int, t0: datetime, t_end: datetime, port: int) -> list[str]:
    """scheduler.log: registrations, cluster ready, ``alive nodes`` every 5 s, unregistrations."""
    ms = timedelta(milliseconds=1)
    w = "WARNING"
    node = f"{_CLUSTER}/meta_server_node.cc"
    lines = [
        cpp_line(
            w,
            "DISTRIBUTED",
            proc,
            t0,
            f"{node}:58] Initialize",
            "Begin to Initialize MetaServerNode.",
        ),
        cpp_line(
            w,
            "DISTRIBUTED",
            proc,
            t0 + 7 * ms,
            f"{node}:77] Initialize",
            "Finish to Initialize MetaServerNode.",
        ),
    ]
    order = [(r * 5 + 3) % world for r in range(world)] if world % 5 else list(range(world))
    for i, rank in enumerate(order, 1):
        lines.append(
            cpp_line(
                w,
                "DISTRIBUTED",
                proc,
                t0 + (190 + 9 * i) * ms,
                f"{node}:254] ProcessRegister",
                f"The new node: {rank}(role: MS_WORKER), rank id: {rank}, device id: {rank}, hostname: "
                f"node-a01, ip: 192.168.10.11 is registered successfully. Currently registered node "
                f"number: {i}, expected node number: {world}",
            )
        )
    ready = t0 + 2514 * ms
    lines.append(
        cpp_line(
            w,
            "DISTRIBUTED",
            proc,
            ready,
            f"{_CLUSTER}/cluster_context.cc:319] BuildCluster",
            "Cluster is successfully initialized.",
        )
    )
    tick = ready
    while tick < t_end:
        lines.append(
            cpp_line(
                w,
                "DISTRIBUTED",
                proc,
                tick,
                f"{node}:91] Finalize",
                f"Cluster currently has {world} alive nodes.",
            )
        )
        tick += timedelta(seconds=5)
    for i, rank in enumerate(range(world - 1, -1, -1)):
        lines.append(
            cpp_line(
                w,
                "DISTRIBUTED",
                proc,
                t_end + (40 * i + 5) * ms,
                f"{node}:323] ProcessUnregister",
                f"Node {rank} has unregistered.",
            )
        )
    return lines


def dryrun_notice(proc: Proc, ts: datetime) -> str:
    """The INFO line (GLOG_v=1, as seed 004 sets) that names the simulation level of a dry run."""
    return cpp_line(
        "INFO",
        "ME",
        proc,
        ts,
        "mindspore/ccsrc/utils/ms_context.cc:712] SetSimulationLevel",
        "MS_SIMULATION_LEVEL is set to 1 (msrun --sim_level 1): dry run, kernels are compiled but not "
        "launched on the device.",
    )
