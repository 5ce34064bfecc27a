"""The MindSpeed-LLM argument values each sample run prints (a representative subset)."""

from __future__ import annotations

from sample_logs.specs import (
    DRYRUN_GBS,
    DRYRUN_PP,
    DRYRUN_SEQ,
    DRYRUN_STEPS,
    DRYRUN_TP,
    DRYRUN_WORLD,
    StrategyRun,
)

_QWEN25_7B: dict[str, object] = {
    "add_qkv_bias": True,
    "attention_dropout": 0.0,
    "bf16": True,
    "clip_grad": 1.0,
    "data_path": ["./dataset/alpaca_text_document"],
    "distributed_backend": "nccl",
    "ffn_hidden_size": 18944,
    "fp16": False,
    "group_query_attention": True,
    "hidden_dropout": 0.0,
    "hidden_size": 3584,
    "init_method_std": 0.01,
    "log_interval": 1,
    "log_throughput": True,
    "lr": 1.25e-06,
    "lr_decay_style": "cosine",
    "lr_warmup_fraction": 0.01,
    "make_vocab_size_divisible_by": 1,
    "max_position_embeddings": 32768,
    "micro_batch_size": 1,
    "min_lr": 1.25e-07,
    "norm_epsilon": 1e-06,
    "normalization": "RMSNorm",
    "num_attention_heads": 28,
    "num_query_groups": 4,
    "padded_vocab_size": 152064,
    "position_embedding_type": "rope",
    "rotary_base": 1000000.0,
    "seed": 1234,
    "sequence_parallel": True,
    "swiglu": True,
    "tokenizer_name_or_path": "./model_from_hf/qwen2.5_7b_hf",
    "tokenizer_type": "PretrainedFromHF",
    "untie_embeddings_and_output_weights": True,
    "use_distributed_optimizer": True,
    "use_flash_attn": True,
    "use_fused_rmsnorm": True,
    "use_mcore_models": True,
    "weight_decay": 0.0,
}


def _recompute(on: bool) -> dict[str, object]:
    if on:
        return {
            "recompute_granularity": "full",
            "recompute_method": "uniform",
            "recompute_num_layers": 1,
        }
    return {"recompute_granularity": None, "recompute_method": None, "recompute_num_layers": None}


def strategy_args(run: StrategyRun, dp: int, gbs: int, steps: int) -> dict[str, object]:
    """Arguments of one run of seed 000."""
    vpp = run.num_layers // run.pp // run.vpp_layers if run.vpp_layers else None
    noop = "{" + ", ".join(run.noop.split(",")) + "}" if run.noop else None
    return {
        **_QWEN25_7B,
        **_recompute(run.recompute),
        "context_parallel_algo": run.cp_algo,
        "context_parallel_size": run.cp,
        "data_parallel_size": dp,
        "global_batch_size": gbs,
        "load": f"./convert-model/{run.name.split('_cp')[0].replace('_recompute', '')}/iter_0000001",
        "noop_layers": noop,
        "num_layers": run.num_layers,
        "num_layers_per_virtual_pipeline_stage": run.vpp_layers,
        "pipeline_model_parallel_size": run.pp,
        "save": f"./output-model/{run.name}",
        "seq_length": run.seq,
        "tensor_model_parallel_size": run.tp,
        "train_iters": steps,
        "use_cp_send_recv_overlap": run.cp_algo == "megatron_cp_algo",
        "virtual_pipeline_model_parallel_size": vpp,
        "world_size": run.world,
    }


def dryrun_args(recompute: bool) -> dict[str, object]:
    """Arguments of one run of seed 004 (TP2 PP2, SEQ_LEN 10240, MBS 1, GBS 64, 4 NPUs)."""
    return {
        **_QWEN25_7B,
        **_recompute(recompute),
        "context_parallel_algo": "ulysses_cp_algo",
        "context_parallel_size": 1,
        "data_parallel_size": DRYRUN_WORLD // (DRYRUN_TP * DRYRUN_PP),
        "global_batch_size": DRYRUN_GBS,
        "load": "./model_weights/qwen2.5_mcore/iter_0000001",
        "noop_layers": None,
        "num_layers": 28,
        "num_layers_per_virtual_pipeline_stage": None,
        "pipeline_model_parallel_size": DRYRUN_PP,
        "save": "./output-model/recompute" if recompute else "./output-model/nonrecompute",
        "seq_length": DRYRUN_SEQ,
        "tensor_model_parallel_size": DRYRUN_TP,
        "train_iters": DRYRUN_STEPS,
        "use_cp_send_recv_overlap": False,
        "virtual_pipeline_model_parallel_size": None,
        "world_size": DRYRUN_WORLD,
    }
