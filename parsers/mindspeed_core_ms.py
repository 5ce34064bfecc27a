"""Parser for MindSpeed-Core-MS (MindSpore-native Megatron-style training, seed 003)::

    INFO - Epoch: 0, Step: 13, Loss: 12.0177145004272461, Time: 15742.81 ms

``Step`` is kept as printed (the trainer's running iteration count), ``Time`` is that step's time
→ ``step_time_ms``; other ``Name: number`` pairs on the line go to the matching step field
(``LR``/``Learning Rate`` → ``lr``, ``Grad Norm`` → ``grad_norm``, ``Loss Scale`` → ``loss_scale``)
or to ``extra`` under their printed name. A logger timestamp before the message becomes
``timestamp``.
"""

from __future__ import annotations

import re
from typing import ClassVar

from parsers.base import BaseParser, Record, to_float
from parsers.failures_lines import timestamp_in

_NUM = r"([-+]?(?:nan|inf|[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?))"
_HEAD = re.compile(r"(?<![A-Za-z_])Epoch: ([0-9]+), Step: ([0-9]+), Loss: " + _NUM)
_PAIR = re.compile(r", ([A-Za-z][A-Za-z _]{0,40}): " + _NUM + r"( ?ms)?")
_FIELDS = {
    "time": "step_time_ms",
    "lr": "lr",
    "learning rate": "lr",
    "grad norm": "grad_norm",
    "grad_norm": "grad_norm",
    "loss scale": "loss_scale",
    "loss_scale": "loss_scale",
}


class MindSpeedCoreMsParser(BaseParser):
    """MindSpeed-Core-MS step lines (see the module docstring)."""

    name: ClassVar[str] = "mindspeed_core_ms"
    TRIGGERS: ClassVar[tuple[str, ...]] = (", Step: ",)
    SAMPLES: ClassVar[list[tuple[str, list[Record]]]] = [
        (  # seed 003 (msrun_log/worker_*.log)
            "INFO - Epoch: 0, Step: 13, Loss: 12.0177145004272461, Time: 15742.81 ms",
            [
                {
                    "kind": "step",
                    "step": 13,
                    "epoch": 0.0,
                    "loss": 12.0177145004272461,
                    "step_time_ms": 15742.81,
                }
            ],
        ),
        (  # with a logger timestamp
            "2024-09-12 10:20:30,123 - INFO - Epoch: 0, Step: 14, Loss: 12.0177106857299805,"
            " Time: 15729.62 ms",
            [{"step": 14, "step_time_ms": 15729.62, "timestamp": "2024-09-12T10:20:30"}],
        ),
        (  # extra numbers named on the line
            "INFO - Epoch: 1, Step: 200, Loss: 7.25, Time: 1500.0 ms, LR: 0.0001, Grad Norm: 1.5,"
            " Tokens Per Sec: 20480",
            [
                {
                    "step": 200,
                    "epoch": 1.0,
                    "lr": 0.0001,
                    "grad_norm": 1.5,
                    "extra": {"Tokens Per Sec": 20480.0},
                }
            ],
        ),
    ]

    def feed(self, text: str, lineno: int) -> list[Record] | None:
        if ", Step: " not in text:
            return None
        m = _HEAD.search(text)
        if m is None:
            return None
        rec: Record = {
            "kind": "step",
            "line": lineno,
            "step": int(m.group(2)),
            "epoch": float(m.group(1)),
            "loss": to_float(m.group(3)),
        }
        extra: dict[str, object] = {}
        for pair in _PAIR.finditer(text, m.end()):
            name, value = pair.group(1).strip(), to_float(pair.group(2))
            field = _FIELDS.get(name.lower())
            if field is not None:
                rec[field] = value
            else:
                extra[name] = value
        if extra:
            rec["extra"] = extra
        ts = timestamp_in(text[: m.start()])
        if ts is not None:
            rec["timestamp"] = ts
        return [rec]
