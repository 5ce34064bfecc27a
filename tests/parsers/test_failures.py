"""Failure parser: tracebacks (plain, chained, prefixed, truncated), timeouts, CANN codes,
torchrun exits and its ChildFailedError summary, segfaults; through the real driver."""

from __future__ import annotations

from parsers.driver import parse_lines
from parsers.failures import FailureParser
from tests.parsers import feed_alone


def parse(text: str) -> list[dict]:
    records, _ = parse_lines(text.split("\n"))
    return records


def test_traceback_is_one_event_at_its_first_line() -> None:
    text = (
        "some output\n"
        "Traceback (most recent call last):\n"
        '  File "t.py", line 3, in <module>\n'
        "    main()\n"
        "KeyError: 'x'\n"
        "more output"
    )
    (rec,) = parse(text)
    assert (rec["type"], rec["line"], rec["message"]) == ("traceback", 2, "KeyError: 'x'")


def test_prefixed_traceback_frames_are_stripped() -> None:
    """accelerate/ray prefix every line (hiyouga/LlamaFactory#163: ``stderr: ``)."""
    text = (
        "stderr: Traceback (most recent call last):\n"
        'stderr:   File "/bin/accelerate-launch", line 8, in <module>\n'
        "stderr:     sys.exit(main())\n"
        "stderr: subprocess.CalledProcessError: Command '['python']' returned non-zero exit status 1."
    )
    (rec,) = parse(text)
    assert rec["message"].startswith("subprocess.CalledProcessError")


def test_oom_exception_lines_are_oom_events() -> None:
    for exc in (
        "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 MiB.",
        "RuntimeError: NPU out of memory. Tried to allocate 2.00 GiB",
        "MemoryError",
        "RuntimeError: EL0004: Failed to allocate memory.",
    ):
        text = f'Traceback (most recent call last):\n  File "a.py", line 1, in <module>\n{exc}'
        (rec,) = parse(text)
        assert (rec["type"], rec["severity"], rec["message"]) == ("oom", "fatal", exc)


def test_two_tracebacks_back_to_back_are_not_chained() -> None:
    block = 'Traceback (most recent call last):\n  File "a.py", line 1, in <module>\nValueError: x'
    recs = parse(block + "\n" + block)
    assert len(recs) == 2
    assert all("extra" not in r for r in recs)


def test_live_tail_sees_the_traceback_at_its_exception_line() -> None:
    parser = FailureParser()
    assert parser.feed("Traceback (most recent call last):", 1) == []
    assert parser.feed('  File "a.py", line 1, in <module>', 2) == []
    got = parser.feed("ValueError: bad", 3)
    assert got is not None and got[0]["message"] == "ValueError: bad"


def test_watchdog_timeouts_variants() -> None:
    old = (
        "[E ProcessGroupNCCL.cpp:458] [Rank 7] Watchdog caught collective operation timeout:"
        " WorkNCCL(SeqNum=64088, OpType=ALLREDUCE, Timeout(ms)=1800000) ran for 25625251"
        " milliseconds before timing out."
    )  # pytorch/pytorch#118369
    (rec,) = parse(old)
    assert rec["rank"] == 7
    assert rec["extra"] == {
        "backend": "NCCL",
        "seq": 64088,
        "op_type": "ALLREDUCE",
        "timeout_ms": 1800000,
        "ran_for_ms": 25625251,
    }
    hccl = (
        "[Rank 2] Watchdog caught collective operation timeout: WorkHCCL(SeqNum=9, "
        "OpType=_REDUCE_SCATTER_BASE, NumelIn=8, NumelOut=1, Timeout(ms)=1800000) ran for 1800021"
        " milliseconds before timing out."
    )
    (rec,) = parse(hccl)
    assert rec["extra"]["backend"] == "HCCL"
    assert rec["extra"]["op_type"] == "_REDUCE_SCATTER_BASE"


def test_cann_codes() -> None:
    (rec,) = parse("Communication_Error_Get_Socket(EI0006)")  # vllm-project/afd-plugin#229
    assert (rec["type"], rec["extra"]["code"]) == ("comm_timeout", "EI0006")
    (rec,) = parse("EZ9999: Inner Error!")
    assert (rec["type"], rec["extra"]["code"]) == ("cann_error", "EZ9999")
    (rec,) = parse("E39999: Inner Error!")
    assert rec["type"] == "cann_error"
    assert parse("ERROR123 is not a code") == []


def test_torchrun_failure_and_summary() -> None:
    text = (
        "ERROR:torch.distributed.elastic.multiprocessing.api:failed (exitcode: 1) local_rank: 0"
        " (pid: 1622990) of binary: /home/u/anaconda3/envs/lang/bin/python\n"
        "Traceback (most recent call last):\n"
        '  File "/home/u/anaconda3/envs/lang/bin/torchrun", line 8, in <module>\n'
        "    sys.exit(main())\n"
        "torch.distributed.elastic.multiprocessing.errors.ChildFailedError: \n"
        "============================================================\n"
        "train.py FAILED\n"
        "------------------------------------------------------------\n"
        "Failures:\n"
        "[1]:\n"
        "  time      : 2023-04-26_10:00:01\n"
        "  host      : gpu1\n"
        "  rank      : 3 (local_rank: 3)\n"
        "  exitcode  : -6 (pid: 1622993)\n"
        "  error_file: <N/A>\n"
        "  traceback : Signal 6 (SIGABRT) received by PID 1622993\n"
        "------------------------------------------------------------\n"
        "Root Cause (first observed failure):\n"
        "[0]:\n"
        "  time      : 2023-04-26_10:00:00\n"
        "  host      : gpu1\n"
        "  rank      : 0 (local_rank: 0)\n"
        "  exitcode  : 1 (pid: 1622990)\n"
        "  error_file: <N/A>\n"
        "  traceback : To enable traceback see: https://pytorch.org/docs/stable/elastic/errors.html\n"
        "============================================================\n"
        "after"
    )  # Facico/Chinese-Vicuna#113 (head) and torch's documented summary layout
    records, stats = parse_lines(text.split("\n"))
    kinds = [(r["type"], r.get("rank"), (r.get("extra") or {}).get("exit_code")) for r in records]
    assert kinds == [
        ("worker_exit", None, 1),
        ("traceback", None, None),
        ("worker_exit", 3, -6),
        ("worker_exit", 0, 1),
    ]
    assert records[2]["extra"]["signal"] == "SIGABRT"
    assert "oom_killer_suspected" not in records[2]["extra"]
    assert records[3]["timestamp"] == "2023-04-26T10:00:00"
    assert stats.unrecognised == 1  # only "after": the summary block is claimed whole


def test_segfault_markers() -> None:
    for line in (
        "Segmentation fault (core dumped)",
        "*** SIGSEGV (@0x0) received by PID 1234 (TID 0x7f) from PID 0; stack trace: ***",
        "Fatal Python error: Aborted",
    ):
        (rec,) = parse(line)
        assert (rec["type"], rec["severity"]) == ("segfault", "fatal")


def test_unrelated_lines_are_not_claimed() -> None:
    lines = ["hello", "EPOCH 3 done", "Epoch 1: loss 2.0", "timeout=30 configured", "EI is fine"]
    records, unclaimed = feed_alone(FailureParser(), lines)
    assert records == [] and unclaimed == [1, 2, 3, 4, 5]


def test_adversarial_long_lines_complete() -> None:
    for line in ("E" * (1 << 20), "(E" * (1 << 19), "failed (exitcode: " + "1" * (1 << 20)):
        feed_alone(FailureParser(), [line])


def test_a_bare_exception_line_is_a_traceback_event() -> None:
    """``RuntimeError: msg`` alone at the start of a line (what train_lm --fail-at-step and
    programs that print their exception give); not prose, prefixed text or a bare 'Error:'."""
    records = parse(
        "iteration 1 done\n"
        "RuntimeError: failing at step 2 as asked (--fail-at-step)\n"
        "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB\n"
        "Error: disk full\n"
        "WARNING: ImportError: apex not found, using the native optimizer\n"
        "  ValueError: indented, a quoted frame\n"
        "the RuntimeError: was handled\n"
        "ValueError:missing space"
    )
    assert [(r["type"], r["line"], r.get("extra")) for r in records] == [
        ("traceback", 2, {"bare": True}),
        ("oom", 3, None),  # an out-of-memory line is one on its own
    ]
    assert records[0]["message"] == "RuntimeError: failing at step 2 as asked (--fail-at-step)"
