"""Peak dense BF16/FP16 TFLOP/s per device, for MFU (``compare --device NAME``).

MFU = measured TFLOP/s per device / the device's peak. The figures are dense (no 2:4 sparsity)
half-precision tensor throughput; check your exact SKU and clocks, or pass
``--device-peak-tflops X`` to use your own figure.
"""

from __future__ import annotations

from analyzer.errors import InputError

DEVICE_PEAK_TFLOPS: dict[str, float] = {
    # Huawei, Hot Chips 31 (2019) "DaVinci" talk: Ascend 910, 256 TFLOP/s FP16.
    "ascend-910": 256.0,
    # Ascend 910B family (Atlas 800T/900 A2): Huawei publishes no per-SKU datasheet; these are the
    # FP16 figures circulated in vendor partner spec sheets and the MindSpeed/ModelLink community.
    "ascend-910b1": 414.0,
    "ascend-910b2": 376.0,
    "ascend-910b3": 313.0,
    "ascend-910b4": 280.0,
    # NVIDIA V100 SXM2 datasheet: 125 TFLOP/s FP16 tensor.
    "v100": 125.0,
    # NVIDIA A100 datasheet (SXM and PCIe): 312 TFLOP/s BF16 dense; A800 is the same silicon.
    "a100": 312.0,
    "a800": 312.0,
    # NVIDIA L40S datasheet: 362.05 TFLOP/s BF16 dense (733 with sparsity).
    "l40s": 362.0,
    # NVIDIA H100 datasheet: SXM 989 TFLOP/s BF16 dense (1979 with sparsity), PCIe 756.
    "h100": 989.0,
    "h100-sxm": 989.0,
    "h100-pcie": 756.0,
    "h800": 989.0,
    # NVIDIA H20 (China SKU) product brief: 148 TFLOP/s BF16 dense.
    "h20": 148.0,
    # NVIDIA H200 datasheet: same tensor cores as H100 SXM, 989 TFLOP/s BF16 dense.
    "h200": 989.0,
    # NVIDIA B200 (DGX B200 datasheet: 72 PFLOP/s FP8 training for 8 GPUs): 2250 TFLOP/s BF16 dense.
    "b200": 2250.0,
}


def device_peak(name: str) -> float:
    """The preset's peak TFLOP/s; an unknown name is an InputError listing the presets."""
    key = name.strip().lower().replace("_", "-").replace(" ", "-")
    if key in DEVICE_PEAK_TFLOPS:
        return DEVICE_PEAK_TFLOPS[key]
    known = ", ".join(sorted(DEVICE_PEAK_TFLOPS))
    raise InputError(f"unknown device {name!r}; known: {known} (or pass --device-peak-tflops X)")
