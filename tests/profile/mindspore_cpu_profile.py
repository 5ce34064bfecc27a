"""Profile a tiny MindSpore network on the CPU: ``python mindspore_cpu_profile.py OUT_DIR``.

Used by test_mindspore_cpu.py (and to make fixtures/mindspore_cpu/): MindSpore's profiler on
the CPU writes ``<host>_<pid>_<time>_ascend_ms/`` with ASCEND_PROFILER_OUTPUT/trace_view.json
and FRAMEWORK/cpu_op_type_info_0.csv, cpu_op_detail_info_0.csv, cpu_ms_memory_record_0.txt.
"""

import sys

import mindspore as ms
import mindspore.profiler as msp
import numpy as np
from mindspore import Tensor, nn
from mindspore.profiler import ProfilerActivity

ms.set_context(mode=ms.PYNATIVE_MODE)
ms.set_device("CPU")
net = nn.SequentialCell(nn.Dense(64, 128), nn.ReLU(), nn.Dense(128, 10))
loss_fn = nn.CrossEntropyLoss()
opt = nn.SGD(net.trainable_params(), 0.01)


def fwd(x, y):
    return loss_fn(net(x), y)


grad = ms.value_and_grad(fwd, None, opt.parameters)
x = Tensor(np.random.randn(32, 64).astype(np.float32))
y = Tensor(np.random.randint(0, 10, 32).astype(np.int32))
schedule = msp.schedule(wait=0, warmup=0, active=3, repeat=1, skip_first=0)
with msp.profile(
    activities=[ProfilerActivity.CPU],
    schedule=schedule,
    on_trace_ready=msp.tensorboard_trace_handler(sys.argv[1]),
    profile_memory=True,
) as prof:
    for _step in range(4):
        loss, g = grad(x, y)
        opt(g)
        prof.step()
print("done", ms.__version__)
