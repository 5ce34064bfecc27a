"""The Megatron parser's own example lines and the records they must give (tests/parsers/test_samples.py).

A sample is ``(text, expected)``; a multi-line sample joins its lines with ``\\n`` and is fed
line by line. Each expected dict lists the fields that must match (a subset of the record).
"""

from __future__ import annotations

from parsers.base import Record

_NAN = float("nan")

MEGATRON_SAMPLES: list[tuple[str, list[Record]]] = [
    (  # Megatron-LM 2023 (pp4 run of llm-action)
        " iteration      100/    2000 | consumed samples:          800 | elapsed time per iteration"
        " (ms): 452.0 | learning rate: 3.984E-06 | global batch size:     8 | lm loss: 9.682818E+00 |"
        " loss scale: 262144.0 | grad norm: 3.606 | number of skipped iterations:  15 |"
        " number of nan iterations:   0 |",
        [
            {
                "kind": "step",
                "step": 100,
                "total_steps": 2000,
                "consumed_samples": 800,
                "step_time_ms": 452.0,
                "lr": 3.984e-06,
                "global_batch_size": 8,
                "loss": 9.682818,
                "loss_scale": 262144.0,
                "grad_norm": 3.606,
                "skipped": 15,
                "nan_count": 0,
            }
        ],
    ),
    (  # MindSpeed-LLM FSDP2: logger prefix, peak memory in GB
        "    INFO [2026-06-22 19:25:37] >>  iteration        1/    2000 | consumed samples:"
        "          8 | consumed tokens:        564 | elapsed time per iteration (ms): 7827.39 |"
        " learning rate: 1.666667E-07 | global batch size:     8 | lm loss: 3.316887E+00 |"
        " grad norm: 70.959 | max_memory_allocated(GB): 19.07 | max_memory_reserved(GB): 20.90 |",
        [
            {
                "kind": "step",
                "step": 1,
                "timestamp": "2026-06-22T19:25:37",
                "step_time_ms": 7827.39,
                "loss": 3.316887,
                "extra": {"consumed tokens": 564.0},
            },
            {"kind": "memory", "metric": "max_allocated", "mb": 19.07 * 1024, "step": 1},
            {"kind": "memory", "metric": "max_reserved", "mb": 20.90 * 1024, "step": 1},
        ],
    ),
    (  # Megatron-Core 2025: bracketed timestamp, throughput, MTP and MoE auxiliary losses
        " [2025-03-01 10:00:00] iteration       10/    1000 | consumed samples:          640 |"
        " elapsed time per iteration (ms): 5123.4 | throughput per GPU (TFLOP/s/GPU): 119.3 |"
        " learning rate: 1.000000E-05 | global batch size:    64 | lm loss: 7.123456E+00 |"
        " mtp_1 loss: 7.500000E+00 | load_balancing_loss: 1.020000E+00 | loss scale: 1.0 |"
        " grad norm: 2.345 | number of skipped iterations:   0 | number of nan iterations:   0 |",
        [
            {
                "kind": "step",
                "step": 10,
                "timestamp": "2025-03-01T10:00:00",
                "tflops": 119.3,
                "loss": 7.123456,
                "extra": {"mtp_1 loss": 7.5, "load_balancing_loss": 1.02},
            }
        ],
    ),
    (  # a skipped step: no lm loss printed
        " iteration       20/    1000 | consumed samples:         1280 | elapsed time per iteration"
        " (ms): 5000.1 | learning rate: 1.000000E-05 | global batch size:    64 | loss scale:"
        " 32768.0 | number of skipped iterations:   1 | number of nan iterations:   0 |",
        [{"kind": "step", "step": 20, "loss_scale": 32768.0, "skipped": 1, "nan_count": 0}],
    ),
    (  # nan and inf values
        " iteration       21/    1000 | elapsed time per iteration (ms): 5000.1 | lm loss: nan |"
        " grad norm: inf | number of nan iterations:   1 |",
        [{"kind": "step", "step": 21, "loss": _NAN, "grad_norm": float("inf"), "nan_count": 1}],
    ),
    (  # AscendSpeed 2023: one record wrapped over two lines, misspelled key, TFLOPs
        " iteration  3/50000 | consumed samples: 768 | consumed tokens:  1572864 | elapsed time per"
        " iteration (ms):  33818.0 | learning rate:    1.406E-07 | gloabl batch size:  256 |"
        " lm loss:  1.200820E+01 | loss scale:  1.0 | grad norm:    9.216 | actual seqlen:  2048 |"
        " number of skipped\n"
        "iterations: 0 | number of nan iterations:   0 | samples per second: 7.570 | TFLOPs: 107.09 |",
        [
            {
                "kind": "step",
                "line": 1,
                "step": 3,
                "global_batch_size": 256,
                "loss": 12.0082,
                "skipped": 0,
                "tflops": 107.09,
                "extra": {
                    "consumed tokens": 1572864.0,
                    "actual seqlen": 2048.0,
                    "samples per second": 7.57,
                },
            }
        ],
    ),
    (  # Megatron-DeepSpeed: num zeros, actual seqlen, samples per second, TFLOPs
        " iteration        2/    2500 | consumed samples:           64 | consumed tokens:       131072"
        " | elapsed time per iteration (ms): 1346.3 | learning rate: 1.500E-07 | global batch size:"
        "    32 | lm loss: 1.065210E+01 | loss scale: 32768.0 | grad norm: 14.113 | num zeros: 0.0 |"
        " actual seqlen:  2048 | number of skipped iterations:   0 | number of nan iterations:   0 |"
        " samples per second: 23.769 | TFLOPs: 53.25 |",
        [
            {
                "kind": "step",
                "step": 2,
                "tflops": 53.25,
                "extra": {
                    "consumed tokens": 131072.0,
                    "num zeros": 0.0,
                    "actual seqlen": 2048.0,
                    "samples per second": 23.769,
                },
            }
        ],
    ),
    (  # Pai-Megatron-Patch / BERT style extras
        " [2024-05-02 08:01:02] iteration      500/   10000 | consumed samples:        32000 |"
        " elapsed time per iteration (ms): 812.5 | tokens per sec: 40321.7 | learning rate:"
        " 2.000000E-04 | global batch size:    64 | lm loss: 2.345678E+00 | sop loss: 6.9E-01 |"
        " loss scale: 1.0 | grad norm: 0.871 | params norm: 301.25 | number of skipped iterations:"
        "   0 | number of nan iterations:   0 |",
        [
            {
                "kind": "step",
                "step": 500,
                "extra": {"tokens per sec": 40321.7, "sop loss": 0.69, "params norm": 301.25},
            }
        ],
    ),
    (  # Megatron memory report: rank and step from the line itself
        "[Rank 0] (after 100 iterations) memory (MB) | allocated: 2524.27783203125 | max allocated:"
        " 7643.34033203125 | reserved: 7766.0 | max reserved: 7766.0",
        [
            {
                "kind": "memory",
                "rank": 0,
                "step": 100,
                "metric": "allocated",
                "mb": 2524.27783203125,
            },
            {"kind": "memory", "rank": 0, "metric": "max_allocated", "mb": 7643.34033203125},
            {"kind": "memory", "rank": 0, "metric": "reserved", "mb": 7766.0},
            {"kind": "memory", "rank": 0, "metric": "max_reserved", "mb": 7766.0},
        ],
    ),
    (  # timer line after an iteration line: the timers belong to that iteration
        " iteration       30/    1000 | lm loss: 6.5E+00 |\n"
        "time (ms) | forward-backward: 1234.56 | optimizer: 12.30 |",
        [
            {"kind": "step", "step": 30, "loss": 6.5},
            {"kind": "timer", "line": 2, "name": "forward-backward", "ms": 1234.56, "step": 30},
            {"kind": "timer", "line": 2, "name": "optimizer", "ms": 12.3, "step": 30},
        ],
    ),
    (  # the (min, max) timer block; it ends at the first line of another shape
        "(min, max) time across ranks (ms):\n"
        "    forward-backward ...............................: (1234.56, 1240.12)\n"
        "    optimizer ......................................: (5.10, 6.25)",
        [
            {"kind": "timer", "name": "forward-backward", "min_ms": 1234.56, "max_ms": 1240.12},
            {"kind": "timer", "name": "optimizer", "min_ms": 5.1, "max_ms": 6.25, "ms": 6.25},
        ],
    ),
    (  # the arguments dump (Megatron-LM and MindSpeed-LLM print the same shape)
        "------------------------ arguments ------------------------\n"
        "  context_parallel_algo ........................... ulysses_cp_algo\n"
        "  context_parallel_size ........................... 2\n"
        "  noop_layers ..................................... {2, 3, 5, 8}\n"
        "  num_layers_per_virtual_pipeline_stage ........... None\n"
        "  sequence_parallel ............................... True\n"
        "  tensor_model_parallel_size ...................... 2\n"
        "  use_distributed_optimizer ....................... True\n"
        "  lr .............................................. 1.25e-06\n"
        "-------------------- end of arguments ---------------------",
        [
            {"kind": "config", "key": "cp_algo", "value": "ulysses_cp_algo"},
            {"kind": "config", "key": "cp", "value": "2"},
            {"kind": "config", "key": "noop_layers", "value": "{2, 3, 5, 8}"},
            {"kind": "config", "key": "sp", "value": "true"},
            {"kind": "config", "key": "tp", "value": "2"},
            {"kind": "config", "key": "distributed_optimizer", "value": "true"},
            {"kind": "config", "key": "lr", "value": "1.25e-06"},
        ],
    ),
    (
        "using world size: 8, data-parallel-size: 1, tensor-model-parallel size: 2,"
        " pipeline-model-parallel size: 4 ",
        [
            {"kind": "config", "key": "world_size", "value": "8"},
            {"kind": "config", "key": "dp", "value": "1"},
            {"kind": "config", "key": "tp", "value": "2"},
            {"kind": "config", "key": "pp", "value": "4"},
        ],
    ),
    (
        "> initialized pipeline model parallel with size 4",
        [{"kind": "config", "key": "pp", "value": "4"}],
    ),
    (  # Megatron's micro-batch calculator (llm-action pp4 run): m of the pipeline bubble
        "setting number of micro-batches to constant 4",
        [{"kind": "config", "key": "num_micro_batches", "value": "4"}],
    ),
    (
        " validation loss at iteration 1000 | lm loss value: 6.355064E+00 | lm loss PPL:"
        " 5.753991E+02 | ",
        [
            {
                "kind": "event",
                "type": "validation",
                "severity": "info",
                "step": 1000,
                "extra": {"lm loss value": 6.355064, "lm loss PPL": 575.3991},
            }
        ],
    ),
    (
        "  successfully saved checkpoint at iteration    1000 to /workspace/model/345m-init-4pp",
        [{"kind": "event", "type": "checkpoint_saved", "severity": "info", "step": 1000}],
    ),
    (
        "[after training is done] datetime: 2023-07-17 01:28:11 ",
        [{"kind": "event", "type": "training_done", "timestamp": "2023-07-17T01:28:11"}],
    ),
    (  # DeepSpeed wall_clock_breakdown timers share the shape
        "[2023-08-15 06:31:44,231] [INFO] [logging.py:96:log_dist] [Rank 0] time (ms) |"
        " forward_microstep: 312.45 | backward_microstep: 610.02 | step_microstep: 20.10",
        [
            {"kind": "timer", "name": "forward_microstep", "ms": 312.45},
            {"kind": "timer", "name": "backward_microstep", "ms": 610.02},
            {"kind": "timer", "name": "step_microstep", "ms": 20.1},
        ],
    ),
]
