"""The failure parser's example lines and the records they must give (subset of fields).

Multi-line samples join their lines with ``\\n`` and are fed line by line. Sources are cited
per sample; ``tests/fixtures/mindspore/`` holds the msrun outputs made on this machine.
"""

from __future__ import annotations

from parsers.base import Record

FAILURE_SAMPLES: list[tuple[str, list[Record]]] = [
    (  # real: msrun on this machine (tests/fixtures/mindspore/msrun_fail/worker_1.log)
        "Traceback (most recent call last):\n"
        '  File "/tmp/hb/fail.py", line 10, in <module>\n'
        "    inner(r)\n"
        '  File "/tmp/hb/fail.py", line 8, in inner\n'
        '    raise RuntimeError(f"boom on rank {x}: simulated failure")\n'
        "RuntimeError: boom on rank 1: simulated failure",
        [
            {
                "kind": "event",
                "type": "traceback",
                "severity": "error",
                "line": 1,
                "message": "RuntimeError: boom on rank 1: simulated failure",
            }
        ],
    ),
    (  # Python 3.11 caret lines; CUDA OOM exception line (pytorch/pytorch issues, typical shape)
        "Traceback (most recent call last):\n"
        '  File "train.py", line 5, in <module>\n'
        "    loss = model(batch)\n"
        "           ^^^^^^^^^^^^\n"
        "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a"
        " total capacity of 79.15 GiB of which 1.02 GiB is free.",
        [{"kind": "event", "type": "oom", "severity": "fatal", "line": 1}],
    ),
    (  # chained exception: one event per block, the second names the first
        "Traceback (most recent call last):\n"
        '  File "a.py", line 2, in f\n'
        "    import missing\n"
        "ModuleNotFoundError: No module named 'missing'\n"
        "\n"
        "During handling of the above exception, another exception occurred:\n"
        "\n"
        "Traceback (most recent call last):\n"
        '  File "a.py", line 4, in <module>\n'
        "    raise ValueError('fallback failed')\n"
        "ValueError: fallback failed",
        [
            {
                "type": "traceback",
                "line": 1,
                "message": "ModuleNotFoundError: No module named 'missing'",
            },
            {
                "type": "traceback",
                "line": 8,
                "message": "ValueError: fallback failed",
                "extra": {"chained_from": ["ModuleNotFoundError: No module named 'missing'"]},
            },
        ],
    ),
    (  # traceback cut off by the end of the file: emitted by flush
        'Traceback (most recent call last):\n  File "x.py", line 1, in <module>',
        [
            {
                "type": "traceback",
                "line": 1,
                "message": 'File "x.py", line 1, in <module>',
                "extra": {"truncated": True},
            }
        ],
    ),
    (  # hiyouga/LlamaFactory#7396 (after the [rank0]: prefix the driver strips)
        "[E321 02:07:08.408271257 ProcessGroupNCCL.cpp:607] [Rank 0] Watchdog caught collective"
        " operation timeout: WorkNCCL(SeqNum=1580, OpType=ALLREDUCE, NumelIn=466119168,"
        " NumelOut=466119168, Timeout(ms)=600000) ran for 600060 milliseconds before timing out.",
        [
            {
                "type": "comm_timeout",
                "severity": "error",
                "rank": 0,
                "extra": {
                    "backend": "NCCL",
                    "seq": 1580,
                    "op_type": "ALLREDUCE",
                    "timeout_ms": 600000,
                    "ran_for_ms": 600060,
                },
            }
        ],
    ),
    (  # vllm-project/vllm-ascend#1443: HCCL notify wait timeout
        "EI0002: [PID: 13075] 2025-06-25-10:45:23.586.187 The wait execution of the Notify register"
        " times out. Reason: The Notify register has not received the Notify record from remote"
        " rank: [unknown]. base information: [streamID:[1], taskID[8318285],"
        " tag[AllReduce_group_name_710], AlgType(level 0-1-2):[fullmesh-H-D-ring].]",
        [
            {
                "type": "comm_timeout",
                "severity": "error",
                "timestamp": "2025-06-25T10:45:23",
                "extra": {"code": "EI0002", "op_type": "AllReduce"},
            }
        ],
    ),
    (  # CANN memory allocation failure
        "EL0004: Failed to allocate memory.",
        [{"type": "oom", "severity": "fatal", "extra": {"code": "EL0004"}}],
    ),
    (
        "EE9999: Inner Error!",
        [{"type": "cann_error", "severity": "error", "extra": {"code": "EE9999"}}],
    ),
    (  # lmzpai/roboMamba#10
        "E0325 20:57:27.620000 2606 site-packages/torch/distributed/elastic/multiprocessing/api.py:869]"
        " failed (exitcode: -9) local_rank: 5 (pid: 2630) of binary: /root/miniconda3/bin/python",
        [
            {
                "type": "worker_exit",
                "severity": "error",
                "extra": {
                    "exit_code": -9,
                    "signal": "SIGKILL",
                    "oom_killer_suspected": True,
                    "local_rank": 5,
                    "pid": 2630,
                },
            }
        ],
    ),
    (  # torch.distributed.elastic ChildFailedError summary block (its documented layout)
        "Failures:\n"
        "  <NO_OTHER_FAILURES>\n"
        "------------------------------------------------------------\n"
        "Root Cause (first observed failure):\n"
        "[0]:\n"
        "  time      : 2024-05-01_10:11:12\n"
        "  host      : node1\n"
        "  rank      : 5 (local_rank: 5)\n"
        "  exitcode  : -9 (pid: 2630)\n"
        "  error_file: <N/A>\n"
        "  traceback : Signal 9 (SIGKILL) received by PID 2630\n"
        "============================================================",
        [
            {
                "type": "worker_exit",
                "rank": 5,
                "timestamp": "2024-05-01T10:11:12",
                "extra": {"exit_code": -9, "pid": 2630, "oom_killer_suspected": True},
            }
        ],
    ),
    (  # Slurm: srun's per-task exit (the task id is the global rank)
        "srun: error: nid001234: task 3: Exited with exit code 1",
        [
            {
                "type": "worker_exit",
                "severity": "error",
                "rank": 3,
                "extra": {"exit_code": 1, "node": "nid001234"},
            }
        ],
    ),
    (
        "srun: error: node7: tasks 0-7: Killed",
        [
            {
                "type": "worker_exit",
                "extra": {
                    "exit_code": -9,
                    "signal": "SIGKILL",
                    "oom_killer_suspected": True,
                    "node": "node7",
                    "tasks": "0-7",
                },
            }
        ],
    ),
    (
        "slurmstepd: error: Detected 1 oom-kill event(s) in StepId=1234.0. Some of your processes"
        " may have been killed by the cgroup out-of-memory handler.",
        [{"type": "oom", "severity": "fatal", "extra": {"oom_kill_events": 1}}],
    ),
    (
        "slurmstepd: error: *** JOB 1234 ON node1 CANCELLED AT 2024-05-01T10:11:12 DUE TO TIME LIMIT ***",
        [
            {
                "type": "cancelled",
                "timestamp": "2024-05-01T10:11:12",
                "extra": {"scope": "job", "id": "1234", "node": "node1", "reason": "time limit"},
            }
        ],
    ),
    (  # CPython faulthandler output on a crash
        "Fatal Python error: Segmentation fault\n"
        "\n"
        "Current thread 0x00007f1c2b7fe700 (most recent call first):\n"
        '  File "/usr/lib/python3.11/site-packages/torch/nn/functional.py", line 2233 in embedding',
        [{"type": "segfault", "severity": "fatal", "line": 1}],
    ),
]
