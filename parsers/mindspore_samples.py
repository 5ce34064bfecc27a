"""The MindSpore parser's example lines and the records they must give (subset of fields).

Lines marked "real" were printed by MindSpore 2.10 under msrun on this machine (copies in
``tests/fixtures/mindspore/``); the memory summary is seed 004's and
``real_logs/mindspore``'s (it only exists with the Ascend plugin).
"""

from __future__ import annotations

from parsers.base import Record

MINDSPORE_SAMPLES: list[tuple[str, list[Record]]] = [
    (  # real: scheduler.log
        "[WARNING] DISTRIBUTED(7445,7f4fe97f2e40,python):2026-11-22-13:40:18.869.973"
        " [mindspore/ccsrc/cluster/topology/cluster_context.cc:319] BuildCluster] Cluster is"
        " successfully initialized.",
        [
            {
                "kind": "event",
                "type": "cluster_ready",
                "severity": "info",
                "timestamp": "2026-11-22T13:40:18",
                "message": "Cluster is successfully initialized.",
                "extra": {"module": "DISTRIBUTED", "pid": 7445},
            }
        ],
    ),
    (  # real: scheduler.log
        "[WARNING] DISTRIBUTED(7445,7f4fbdea06c0,python):2026-11-22-13:40:17.528.039"
        " [mindspore/ccsrc/cluster/topology/meta_server_node.cc:254] ProcessRegister] The new"
        " node: 1(role: MS_WORKER), rank id: 1, device id: 1, hostname: vm, ip: 127.0.0.1 is"
        " registered successfully. Currently registered node number: 1, expected node number: 2",
        [
            {
                "type": "node_registered",
                "severity": "info",
                "rank": 1,
                "extra": {"node_id": "1", "role": "MS_WORKER", "registered": 1, "expected": 2},
            }
        ],
    ),
    (  # real: scheduler.log
        "[WARNING] DISTRIBUTED(7445,7f4fbdea06c0,python):2026-11-22-13:40:24.529.950"
        " [mindspore/ccsrc/cluster/topology/meta_server_node.cc:323] ProcessUnregister] Node 1"
        " has unregistered.",
        [{"type": "node_unregistered", "extra": {"node_id": "1"}}],
    ),
    (  # real: scheduler.log, every 5 s: claimed, no record
        "[WARNING] DISTRIBUTED(7445,7f4fe97f2e40,python):2026-11-22-13:40:18.870.040"
        " [mindspore/ccsrc/cluster/topology/meta_server_node.cc:91] Finalize] Cluster currently"
        " has 2 alive nodes.",
        [],
    ),
    (  # real: msrun console (Python logger, pid:tid); N is the worker's PID
        "[ERROR] ME(7928:140366517201792,MainProcess):2026-11-22-13:40:46.818.000"
        " [mindspore/parallel/cluster/process_entity/_api.py:365] Worker process 7936 exit with"
        " exception. Error code: 1.",
        [
            {
                "type": "worker_exit",
                "severity": "error",
                "timestamp": "2026-11-22T13:40:46",
                "message": "Worker process 7936 exit with exception. Error code: 1.",
                "extra": {"pid": 7936, "exit_code": 1},
            }
        ],
    ),
    (  # real: scheduler.log after a worker died
        "[ERROR] DISTRIBUTED(7933,7f780299e6c0,python):2026-11-22-13:41:11.504.310"
        " [mindspore/ccsrc/cluster/topology/meta_server_node.cc:548] UpdateTopoState] The node: 1"
        " is timed out. It may exit with exception, please check this node's log.",
        [{"type": "comm_timeout", "severity": "error", "rank": 1, "extra": {"nodes": [1]}}],
    ),
    (  # older MindSpore scheduler wording
        "[ERROR] DISTRIBUTED(1301,ffff8f7b2010,python):2024-03-01-10:00:00.123.456"
        " [mindspore/ccsrc/distributed/cluster/topology/meta_server_node.cc:511] UpdateTopoState]"
        " Time out nodes are [2, 5]",
        [{"type": "comm_timeout", "extra": {"nodes": [2, 5]}}],
    ),
    (  # Python logger with an unpadded sub-second part; WARNING → log_warning
        "[WARNING] ME(1234:281473029492800,MainProcess):2024-07-01-09:05:03.0.0"
        " [mindspore/train/model.py:1100] The CPU cannot support dataset sink mode currently.",
        [
            {
                "type": "log_warning",
                "severity": "warning",
                "timestamp": "2024-07-01T09:05:03",
                "message": "The CPU cannot support dataset sink mode currently.",
            }
        ],
    ),
    (  # CRITICAL is fatal
        "[CRITICAL] KERNEL(12,ffff,python):2024-07-01-09:05:03.930.00 [kernel.cc:1] Launch]"
        " Kernel launch failed",
        [{"type": "log_error", "severity": "fatal"}],
    ),
    (  # real: INFO lines are claimed silently
        "[INFO] DISTRIBUTED(7446,7ff2c5ffb6c0,python):2026-11-22-13:40:21.941.555"
        " [mindspore/ccsrc/cluster/rpc/core/communicator/tcp_client.cc:367] Start] Event base"
        " dispatch success!",
        [],
    ),
    (  # seed 004: the memory summary
        "Device MOC memory size: 65536M\n"
        "MindSpore Used memory size: 59392M\n"
        "MindSpore memory base address: 0xffffe9dc1407\n"
        "Used peak memory usage (without fragments): 55405M\n"
        "Actual peak memory usage (with fragments): 57400M",
        [
            {"kind": "memory", "metric": "device_total", "mb": 65536.0, "line": 1},
            {"kind": "memory", "metric": "framework_used", "mb": 59392.0, "line": 2},
            {"kind": "memory", "metric": "peak_used", "mb": 55405.0, "line": 4},
            {"kind": "memory", "metric": "peak_actual", "mb": 57400.0, "line": 5},
        ],
    ),
    (  # real_logs/mindspore: grep -rn output, rank from the rank_N/ path
        "rank_6144/mindformer.log:13340: Used peak memory usage (without fragments): 49732M",
        [{"kind": "memory", "metric": "peak_used", "mb": 49732.0, "rank": 6144}],
    ),
    (
        "Device HBM memory size: 62.5G",
        [{"kind": "memory", "metric": "device_total", "mb": 64000.0}],
    ),
    (  # seed 004's dry-run settings echoed by the launch script
        "export MS_SIMULATION_LEVEL=1",
        [{"kind": "config", "key": "dryrun", "value": "true"}],
    ),
    (  # real: msrun --sim_level in MindSpore's own words
        "[WARNING] ME(9902:139635192073088,MainProcess):2026-11-22-13:42:52.809.000"
        " [mindspore/parallel/cluster/process_entity/_api.py:312] In dryrun case, RANK_ID is"
        " assigned to 0.",
        [{"kind": "config", "key": "dryrun", "value": "true"}],
    ),
    (  # real: LossMonitor + TimeMonitor (msrun_train/worker_0.log), two epochs of 8 steps
        "epoch: 1 step: 2, loss is 7.577942371368408\n"
        "epoch: 1 step: 8, loss is 7.8791351318359375\n"
        "Train epoch time: 1379.026 ms, per step time: 172.378 ms\n"
        "epoch: 2 step: 2, loss is 5.304203510284424",
        [
            {"kind": "step", "step": 2, "epoch": 1.0, "loss": 7.577942371368408},
            {"kind": "step", "step": 8, "epoch": 1.0, "loss": 7.8791351318359375},
            {"kind": "timer", "name": "epoch_time", "ms": 1379.026, "step": 8},
            {"kind": "timer", "name": "per_step_time", "ms": 172.378, "step": 8},
            {"kind": "step", "step": 10, "epoch": 2.0, "extra": {"step_in_epoch": 2}},
        ],
    ),
    (  # older TimeMonitor wording
        "epoch time: 2345.6 ms, per step time: 23.456 ms",
        [{"kind": "timer", "name": "epoch_time", "ms": 2345.6}, {"name": "per_step_time"}],
    ),
    (  # real: msrun's own echo, claimed silently
        "Start worker process with rank id:1, log file:/tmp/msb_ok/worker_1.log. Environment"
        " variable [RANK_ID=1] is exported. Execute command: python ok.py",
        [],
    ),
]
