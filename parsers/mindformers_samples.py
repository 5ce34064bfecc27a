"""The MindFormers parser's example lines and the records they must give (subset of fields)."""

from __future__ import annotations

from parsers.base import Record

MINDFORMERS_SAMPLES: list[tuple[str, list[Record]]] = [
    (  # real_logs/mindformers (llm-action, 2023-08): sink mode, per-step time on the next line
        "2023-08-07 19:12:16,935 - mindformers - INFO - Epoch:[  1/  1], step:[  804/  812],"
        " loss:[0.762/0.762], time:27421.790 ms, lr:[1.2624264e-09], overflow cond: False,"
        " loss_scale: 65536.0\n"
        "2023-08-07 19:12:16,935 - mindformers - INFO - Per sink_size step time: 27443.713 ms,"
        " per step time: 6860.928 ms, avg loss: 0.762",
        [
            {
                "kind": "step",
                "line": 1,
                "step": 804,
                "total_steps": 812,
                "epoch": 1.0,
                "loss": 0.762,
                "step_time_ms": 6860.928,
                "lr": 1.2624264e-09,
                "loss_scale": 65536.0,
                "skipped": 0,
                "timestamp": "2023-08-07T19:12:16",
                "extra": {"avg_loss": 0.762, "time_ms": 27421.79, "sink_time_ms": 27443.713},
            }
        ],
    ),
    (  # mindformers docs (2023-07): print_output_info form, non-sink: `time` is the step's own
        "[INFO] 2023-07-11 10:47:44,861 [/root/workspace/code/mindformers/core/callback/"
        "callback.py:269] print_output_info: Epoch:[  1/  1], step:[    8/  125],"
        " loss:[2.499/2.499], time:7480.938 ms, lr:[0.], overflow cond: True,"
        " loss_scale: 16777216.0",
        [
            {
                "kind": "step",
                "step": 8,
                "total_steps": 125,
                "loss": 2.499,
                "step_time_ms": 7480.938,
                "lr": 0.0,
                "skipped": 1,
                "timestamp": "2023-07-11T10:47:44",
            }
        ],
    ),
    (  # mindformers docs (2025-04): `{ Epoch ...}` with throughput, then its progress line
        "2025-04-07 15:34:29,173 - [mindformers/core/callback/callback.py:529] - INFO - { Epoch:[ "
        " 1/  2], step:[    2/   19], loss: 10.633, per_step_time: 1752ms, lr: 1e-05, overflow"
        " cond: False, loss_scale: 1.0, global_norm: [1.508834], train_throughput_per_npu:"
        " 170.738T\n"
        "2025-04-07 15:34:29,173 - [mindformers/core/callback/callback.py:531] - INFO -    10.5%"
        " |█████                                             | 4.56621 samples/s/p  0:00:30 }",
        [
            {
                "kind": "step",
                "step": 2,
                "total_steps": 38,
                "epoch": 1.0,
                "loss": 10.633,
                "step_time_ms": 1752.0,
                "lr": 1e-05,
                "grad_norm": 1.508834,
                "tflops": 170.738,
                "timestamp": "2025-04-07T15:34:29",
            }
        ],
    ),
    (  # second epoch: the step is made global
        "- INFO - { Epoch:[  2/  2], step:[    3/   19], loss: 9.673, per_step_time: 1754ms,"
        " lr: 9.981987e-06, overflow cond: False, loss_scale: 1.0, global_norm [10.579812],"
        " train_throughput_per_npu: 170.523T",
        [
            {
                "step": 22,
                "epoch": 2.0,
                "grad_norm": 10.579812,
                "extra": {"step_in_epoch": 3},
            }
        ],
    ),
    (  # plain progress form
        "2025-01-01 10:00:00,000 - mindformers - INFO - step 5/100, loss: 3.21, per_step_time:"
        " 812ms, lr: 2e-05",
        [{"kind": "step", "step": 5, "total_steps": 100, "loss": 3.21, "step_time_ms": 812.0}],
    ),
    (  # real_logs/mindformers
        "2023-08-07 17:27:21,718 - mindformers - INFO - initial parallel_config from dict:"
        " {'data_parallel': 16, 'model_parallel': 1, 'pipeline_stage': 1, 'optimizer_shard': True,"
        " 'micro_batch_num': 16, 'vocab_emb_dp': True, 'gradient_aggregation_group': 4}",
        [
            {"kind": "config", "key": "dp", "value": "16"},
            {"kind": "config", "key": "tp", "value": "1"},
            {"kind": "config", "key": "pp", "value": "1"},
            {"kind": "config", "key": "distributed_optimizer", "value": "true"},
            {"kind": "config", "key": "micro_batch_num", "value": "16"},
            {"kind": "config", "key": "vocab_emb_dp", "value": "true"},
            {"kind": "config", "key": "gradient_aggregation_group", "value": "4"},
        ],
    ),
    (  # real_logs/mindformers
        "2023-08-07 17:27:21,718 - mindformers - INFO - initial recompute_config from dict:"
        " {'recompute': True, 'parallel_optimizer_comm_recompute': False, 'mp_comm_recompute':"
        " True, 'recompute_slice_activation': True}",
        [
            {"key": "recompute", "value": "true"},
            {"key": "parallel_optimizer_comm_recompute", "value": "false"},
            {"key": "mp_comm_recompute", "value": "true"},
            {"key": "recompute_slice_activation", "value": "true"},
            {"key": "recompute_granularity", "value": "full"},
        ],
    ),
    (  # real_logs/mindformers
        "2023-08-07 19:14:21,468 - mindformers - INFO - .........Training Over!.............",
        [
            {
                "kind": "event",
                "type": "training_done",
                "severity": "info",
                "message": "Training Over!",
                "timestamp": "2023-08-07T19:14:21",
            }
        ],
    ),
    (  # the MindFormers logger's own warnings
        "2023-08-07 17:27:21,719 - mindformers - WARNING - pipeline stages: 2 > 1, the loss on the"
        " last card is valid.",
        [{"kind": "event", "type": "log_warning", "severity": "warning"}],
    ),
    (  # other MindFormers INFO lines: claimed, no record
        "2023-08-07 17:27:21,717 - mindformers - INFO - .........Build context config..........",
        [],
    ),
]
