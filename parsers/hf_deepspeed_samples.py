"""The HF Trainer / DeepSpeed parser's example lines and the records they must give."""

from __future__ import annotations

from parsers.base import Record

HF_DEEPSPEED_SAMPLES: list[tuple[str, list[Record]]] = [
    (
        "{'loss': 2.1034, 'grad_norm': 1.3125, 'learning_rate': 1e-05, 'epoch': 0.5}",
        [{"kind": "step", "loss": 2.1034, "grad_norm": 1.3125, "lr": 1e-05, "epoch": 0.5}],
    ),
    (  # tqdm's progress bar glued in front of the dict; an unknown key goes to extra
        " 10%|█         | 50/500 [01:02<09:18,  1.24s/it]{'loss': 1.8, 'learning_rate': 2e-05,"
        " 'num_tokens': 204800.0, 'epoch': 0.1}",
        [{"kind": "step", "loss": 1.8, "epoch": 0.1, "extra": {"num_tokens": 204800.0}}],
    ),
    (
        "{'eval_loss': 1.95, 'eval_runtime': 12.5, 'eval_samples_per_second': 80.0, 'epoch': 1.0}",
        [{"kind": "event", "type": "validation", "extra": {"eval_loss": 1.95, "epoch": 1.0}}],
    ),
    (
        "{'train_runtime': 3600.5, 'train_samples_per_second': 12.3, 'train_steps_per_second':"
        " 0.4, 'train_loss': 1.72, 'epoch': 3.0}",
        [{"kind": "event", "type": "training_done", "extra": {"train_loss": 1.72}}],
    ),
    (
        "steps: 1 loss: 10.6554 iter time (s): 4.218 samples/sec: 7.586",
        [
            {
                "kind": "step",
                "step": 1,
                "loss": 10.6554,
                "step_time_ms": 4218.0,
                "extra": {"samples/sec": 7.586},
            }
        ],
    ),
    (  # DeepSpeed engine, every steps_per_print: skipped is a running total
        "[2023-08-15 07:22:30,556] [INFO] [logging.py:96:log_dist] [Rank 0] step=2499, "
        "skipped=1585, lr=[0.0001371, 0.0001371], mom=[(0.9, 0.95), (0.9, 0.95)]",
        [
            {
                "kind": "step",
                "step": 2499,
                "lr": 0.0001371,
                "timestamp": "2023-08-15T07:22:30.556",
                "extra": {"skipped_total": 1585.0},
            }
        ],
    ),
    (
        "[2023-08-15 07:22:30,556] [INFO] [logging.py:96:log_dist] [Rank 0] Overflow detected."
        " Skipping step. Attempted loss scale: 1, reducing to 1",
        [
            {
                "kind": "event",
                "type": "overflow",
                "severity": "warning",
                "rank": 0,
                "timestamp": "2023-08-15T07:22:30.556",
                "extra": {"attempted_loss_scale": 1.0, "new_loss_scale": 1.0},
            }
        ],
    ),
    (
        "[2023-08-15 06:31:34,958] [INFO] [utils.py:786:see_memory_usage] MA 0.65 GB        "
        " Max_MA 0.66 GB         CA 0.68 GB         Max_CA 1 GB ",
        [
            {"kind": "memory", "metric": "allocated", "mb": 0.65 * 1024},
            {"kind": "memory", "metric": "max_allocated", "mb": 0.66 * 1024},
            {"kind": "memory", "metric": "reserved", "mb": 0.68 * 1024},
            {"kind": "memory", "metric": "max_reserved", "mb": 1024.0},
        ],
    ),
    (  # DeepSpeed ThroughputTimer (steps_per_print)
        "[2024-03-01 12:00:00,001] [INFO] [timer.py:260:stop] epoch=0/micro_step=40/global_step=10,"
        " RunningAvgSamplesPerSec=31.5, CurrSamplesPerSec=32.1, MemAllocated=6.2GB,"
        " MaxMemAllocated=11.5GB",
        [
            {
                "kind": "step",
                "step": 10,
                "extra": {"RunningAvgSamplesPerSec": 31.5, "CurrSamplesPerSec": 32.1},
            },
            {"kind": "memory", "metric": "allocated", "mb": 6.2 * 1024, "step": 10},
            {"kind": "memory", "metric": "max_allocated", "mb": 11.5 * 1024, "step": 10},
        ],
    ),
    (  # HF Trainer's start-of-training banner
        "  Total train batch size (w. parallel, distributed & accumulation) = 64\n"
        "[INFO|trainer.py:2130] 2024-03-01 12:00:00,000 >>   Instantaneous batch size per device = 4\n"
        "  Total optimization steps = 1,000",
        [
            {"kind": "config", "key": "global_batch_size", "value": "64"},
            {"kind": "config", "key": "micro_batch_size", "value": "4"},
            {"kind": "config", "key": "Total optimization steps", "value": "1000"},
        ],
    ),
]
