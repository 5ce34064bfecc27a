"""A small MindSpore transformer language model that trains on the CPU, alone or under ``msrun``.

It is the bundled workload of ``analyzer demo``: real training, real collective communication,
logged in Megatron's format so analyzer's Megatron parser reads it like any other run:

- the arguments dump (``tensor_model_parallel_size``, ``data_parallel_size``, ``world_size``,
  ``seq_length``, ``recompute_granularity``...), so the strategy label works;
- one iteration line per step with the elapsed time, ``lm loss``, learning rate, grad norm and an
  honest throughput estimate: model FLOPs ``6 × parameters × tokens`` per worker per second (the
  extra forward of recomputation is not counted, as in Megatron's model-FLOPs figure);
- a memory report in Megatron's shape whose keys say what it is, the **host** memory of the
  worker process (``host rss`` and ``max host rss``: resident set size, current and peak), because
  a CPU has no device memory to measure; analyzer records them as the metrics ``host_rss`` and
  ``max_host_rss``, never as device memory; the iteration line also carries ``host rss (MB)``;
- with ``--profile``, a few steps **after** the measured ones (never logged as iterations, so the
  step times compared are not skewed) profiled with ``mindspore.profiler.profile`` on a
  ``schedule`` (1 warm-up step, ``--profile-steps`` active ones) into ``<run dir>/profile``.

Under ``msrun`` (``MS_ROLE`` set) it calls ``mindspore.communication.init()`` and averages the
gradients of all workers with ``nn.DistributedGradReducer`` (data parallel, all-reduce over the
``mccl`` backend on the CPU). Seeds are fixed, so a run is reproducible.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time

import mindspore as ms
import numpy as np
from mindspore import nn, ops

DOC_ARGS = (
    "tensor_model_parallel_size",
    "pipeline_model_parallel_size",
    "context_parallel_size",
    "data_parallel_size",
    "world_size",
    "num_layers",
    "hidden_size",
    "num_attention_heads",
    "seq_length",
    "micro_batch_size",
    "global_batch_size",
    "train_iters",
    "lr",
    "seed",
    "recompute_granularity",
    "recompute_method",
    "recompute_num_layers",
    "memory_report_source",
    "padded_vocab_size",
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--seq-length", type=int, default=64)
    p.add_argument("--hidden-size", type=int, default=128)
    p.add_argument("--num-layers", type=int, default=2)
    p.add_argument("--num-heads", type=int, default=4)
    p.add_argument("--vocab-size", type=int, default=256)
    p.add_argument("--micro-batch-size", type=int, default=8)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument(
        "--recompute", choices=("none", "full"), default="none", help="recompute every layer"
    )
    p.add_argument(
        "--profile",
        action="store_true",
        help="after the measured steps, profile a few more into <run dir>/profile"
        " ($ANALYZER_RUN_DIR, set by `analyzer launch`) or --profile-dir",
    )
    p.add_argument("--profile-dir", help="where --profile writes (implies --profile)")
    p.add_argument("--profile-steps", type=int, default=2, help="active profiled steps (default 2)")
    p.add_argument(
        "--threads",
        type=int,
        default=0,
        help="CPU operator threads per worker (0: cores / msrun workers, at least 1)",
    )
    p.add_argument("--fail-at-step", type=int, default=0, help="exit 3 at this step (tests)")
    return p.parse_args(argv)


class Block(nn.Cell):
    """A pre-norm transformer block: causal self-attention and a GELU MLP."""

    def __init__(self, hidden: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.head_dim = hidden // heads
        self.ln1 = nn.LayerNorm((hidden,))
        self.ln2 = nn.LayerNorm((hidden,))
        self.qkv = nn.Dense(hidden, 3 * hidden)
        self.proj = nn.Dense(hidden, hidden)
        self.fc1 = nn.Dense(hidden, 4 * hidden)
        self.fc2 = nn.Dense(4 * hidden, hidden)
        self.gelu = nn.GELU()
        self.softmax = nn.Softmax(axis=-1)

    def attention(self, x: ms.Tensor, mask: ms.Tensor) -> ms.Tensor:
        b, s, h = x.shape
        qkv = self.qkv(x).reshape(b, s, 3, self.heads, self.head_dim).transpose(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        scores = ops.matmul(q, k.transpose(0, 1, 3, 2)) / float(self.head_dim) ** 0.5
        probs = self.softmax(scores + mask)
        out = ops.matmul(probs, v).transpose(0, 2, 1, 3).reshape(b, s, h)
        return self.proj(out)

    def construct(self, x: ms.Tensor, mask: ms.Tensor) -> ms.Tensor:
        x = x + self.attention(self.ln1(x), mask)
        return x + self.fc2(self.gelu(self.fc1(self.ln2(x))))


class LM(nn.Cell):
    """Token and position embeddings, ``layers`` blocks, a final norm and the output head."""

    def __init__(self, args: argparse.Namespace) -> None:
        super().__init__()
        self.tok = nn.Embedding(args.vocab_size, args.hidden_size)
        self.pos = nn.Embedding(args.seq_length, args.hidden_size)
        self.blocks = nn.CellList(
            [Block(args.hidden_size, args.num_heads) for _ in range(args.num_layers)]
        )
        self.recompute_all = args.recompute == "full"
        self.ln = nn.LayerNorm((args.hidden_size,))
        self.head = nn.Dense(args.hidden_size, args.vocab_size)
        causal = np.triu(np.full((args.seq_length, args.seq_length), -1e9, np.float32), 1)
        self.mask = ms.Tensor(causal)
        self.positions = ms.Tensor(np.arange(args.seq_length, dtype=np.int32))

    def construct(self, tokens: ms.Tensor) -> ms.Tensor:
        x = self.tok(tokens) + self.pos(self.positions)
        for block in self.blocks:
            x = ms.recompute(block, x, self.mask) if self.recompute_all else block(x, self.mask)
        return self.head(self.ln(x))


def make_corpus(vocab: int, length: int, seed: int) -> np.ndarray:
    """A learnable token stream: a sparse random Markov chain (each token has 4 likely successors)."""
    rng = np.random.default_rng(seed)
    successors = rng.integers(0, vocab, size=(vocab, 4))
    out = np.empty(length, np.int32)
    out[0] = 0
    choices = rng.integers(0, 4, size=length)
    for i in range(1, length):
        out[i] = successors[out[i - 1], choices[i]]
    return out


def batch_at(corpus: np.ndarray, step: int, rank: int, args: argparse.Namespace, dp: int):
    """The micro-batch of ``rank`` at ``step``: disjoint windows of the corpus per rank."""
    rng = np.random.default_rng(args.seed * 7919 + step * dp + rank)
    starts = rng.integers(0, len(corpus) - args.seq_length - 1, size=args.micro_batch_size)
    x = np.stack([corpus[s : s + args.seq_length] for s in starts])
    y = np.stack([corpus[s + 1 : s + args.seq_length + 1] for s in starts])
    return ms.Tensor(x), ms.Tensor(y)


def host_rss_mb() -> tuple[float, float]:
    """Current and peak resident set size of this process, in MiB (host memory, not device)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[1])
        current = pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        current = peak
    return current, max(peak, current)


def print_arguments(values: dict[str, object]) -> None:
    print("------------------------ arguments ------------------------")
    for key in sorted(values):
        print(f"  {key} {'.' * max(3, 48 - len(key))} {values[key]}")
    print("-------------------- end of arguments ---------------------", flush=True)


def setup_parallel() -> tuple[int, int]:
    """Initialise communication under msrun; returns (rank, world size)."""
    if "MS_ROLE" not in os.environ:
        return 0, 1
    from mindspore.communication import get_group_size, get_rank, init

    init()
    ms.set_auto_parallel_context(parallel_mode="data_parallel", gradients_mean=True)
    return get_rank(), get_group_size()


def build(args: argparse.Namespace, world: int):
    net = LM(args)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = nn.AdamWeightDecay(net.trainable_params(), learning_rate=args.lr)
    reducer = (
        nn.DistributedGradReducer(optimizer.parameters, mean=True, degree=world)
        if world > 1
        else None
    )

    def forward(x: ms.Tensor, y: ms.Tensor) -> ms.Tensor:
        logits = net(x)
        return loss_fn(logits.reshape(-1, args.vocab_size), y.reshape(-1))

    grad_fn = ms.value_and_grad(forward, None, optimizer.parameters)

    all_reduce = ops.AllReduce() if world > 1 else None

    def train_step(x: ms.Tensor, y: ms.Tensor) -> tuple[float, float]:
        loss, grads = grad_fn(x, y)
        if reducer is not None and all_reduce is not None:
            grads = reducer(grads)
            loss = all_reduce(loss) / world  # the logged loss is the data-parallel mean
        norm = float(ops.sqrt(sum((g * g).sum() for g in grads)).asnumpy())
        optimizer(grads)
        return float(loss.asnumpy()), norm

    n_params = sum(int(np.prod(p.shape)) for p in net.trainable_params())
    return train_step, n_params


def log_iteration(step: int, args: argparse.Namespace, stats: dict[str, float]) -> None:
    print(
        f" iteration {step:8d}/{args.steps:8d} | consumed samples: {stats['consumed']:12d} |"
        f" elapsed time per iteration (ms): {stats['ms']:.1f} |"
        f" throughput per GPU (TFLOP/s/GPU): {stats['tflops']:.6f} |"
        f" learning rate: {args.lr:.6E} | global batch size: {stats['gbs']:5d} |"
        f" lm loss: {stats['loss']:.6E} | loss scale: 1.0 | grad norm: {stats['norm']:.3f} |"
        f" host rss (MB): {stats['rss']:.1f} |"
        f" number of skipped iterations:   0 | number of nan iterations:   0 |",
        flush=True,
    )


def set_threads(threads: int) -> None:
    """Workers sharing a small CPU each get their share of cores rather than all of them."""
    if threads <= 0:
        local = int(os.environ.get("MS_WORKER_NUM") or 1)
        threads = max(1, (os.cpu_count() or 1) // max(1, local))
    from mindspore.device_context.cpu.op_tuning import threads_num

    threads_num(threads)


def arguments(args: argparse.Namespace, world: int) -> dict[str, object]:
    """The Megatron-style arguments dump (None for a setting that is off, as Megatron prints)."""
    recompute = args.recompute == "full"
    return {
        "tensor_model_parallel_size": 1,
        "pipeline_model_parallel_size": 1,
        "context_parallel_size": 1,
        "data_parallel_size": world,
        "world_size": world,
        "num_layers": args.num_layers,
        "hidden_size": args.hidden_size,
        "num_attention_heads": args.num_heads,
        "seq_length": args.seq_length,
        "micro_batch_size": args.micro_batch_size,
        "global_batch_size": args.micro_batch_size * world,
        "train_iters": args.steps,
        "lr": args.lr,
        "seed": args.seed,
        "recompute_granularity": "full" if recompute else None,
        "recompute_method": "uniform" if recompute else None,
        "recompute_num_layers": args.num_layers if recompute else None,
        "memory_report_source": "host_rss",
        "padded_vocab_size": args.vocab_size,
    }


def log_memory(rank: int, step: int, current: float, peak: float) -> None:
    """A memory report in Megatron's shape with host keys (metrics host_rss, max_host_rss)."""
    print(
        f"[Rank {rank}] (after {step} iterations) memory (MB) | host rss: {current:.2f}"
        f" | max host rss: {peak:.2f}",
        flush=True,
    )


def profile_after(args: argparse.Namespace, step_fn, batch_fn, out_dir: str) -> None:
    """Profile 1 warm-up and ``--profile-steps`` active steps after the measured ones, on
    ``mindspore.profiler``'s schedule; they are not logged as iterations (no skewed timing)."""
    from mindspore.profiler import ProfilerActivity, profile, schedule, tensorboard_trace_handler

    warmup, active = 1, max(1, args.profile_steps)
    with profile(
        activities=[ProfilerActivity.CPU],
        profile_memory=True,
        schedule=schedule(wait=0, warmup=warmup, active=active, repeat=1),
        on_trace_ready=tensorboard_trace_handler(out_dir),
    ) as prof:
        for i in range(warmup + active):
            step_fn(*batch_fn(args.steps + 1 + i))
            prof.step()
    print(
        f"profiled {active} steps after the {args.steps} measured ones into {out_dir}", flush=True
    )


def train(args: argparse.Namespace, rank: int, world: int, profile_dir: str | None) -> int:
    """The training loop: one iteration line per step, a memory report every 5 steps; then the
    profiled steps, if asked."""
    train_step, n_params = build(args, world)
    print(f"> number of parameters on rank {rank}: {n_params}", flush=True)
    corpus = make_corpus(args.vocab_size, 200_000, args.seed)
    tokens_per_step = args.micro_batch_size * args.seq_length
    gbs = args.micro_batch_size * world
    for step in range(1, args.steps + 1):
        if step == args.fail_at_step:
            print(f"RuntimeError: failing at step {step} as asked (--fail-at-step)", flush=True)
            return 3
        x, y = batch_at(corpus, step, rank, args, world)
        start = time.perf_counter()
        loss, norm = train_step(x, y)
        elapsed = time.perf_counter() - start
        current, peak = host_rss_mb()
        stats = {
            "consumed": step * gbs,
            "ms": elapsed * 1000.0,
            "tflops": 6.0 * n_params * tokens_per_step / elapsed / 1e12,
            "gbs": gbs,
            "loss": loss,
            "norm": norm,
            "rss": current,
        }
        log_iteration(step, args, stats)
        if step == 1 or step % 5 == 0 or step == args.steps:
            log_memory(rank, step, current, peak)
    print(f"[after training is done] rank {rank} finished {args.steps} iterations", flush=True)
    if profile_dir:
        profile_after(
            args, train_step, lambda s: batch_at(corpus, s, rank, args, world), profile_dir
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    ms.set_seed(args.seed)
    ms.set_context(mode=ms.PYNATIVE_MODE)
    ms.set_device("CPU")
    rank, world = setup_parallel()
    set_threads(args.threads)
    print_arguments(arguments(args, world))
    profile_dir = args.profile_dir
    if args.profile and not profile_dir:
        profile_dir = os.path.join(os.environ.get("ANALYZER_RUN_DIR", "."), "profile")
    return train(args, rank, world, profile_dir)


if __name__ == "__main__":
    sys.exit(main())
