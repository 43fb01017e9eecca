"""Whether bfloat16 autocast makes convolutions faster on this CPU."""
from __future__ import annotations

import functools
import statistics
import time
from typing import Dict, Union

import torch

# bf16 must win by this much to be chosen: below it the probe's noise could
# pick the slower precision.
MIN_SPEEDUP = 1.1


@functools.lru_cache(maxsize=None)
def bf16_autocast_speedup(repeats: int = 5) -> float:
    """Median time of a float32 training step of a small convolution stack
    over its time under ``torch.autocast('cpu', dtype=bfloat16)``, both
    channels-last, measured once per process (the answer is a property of
    the CPU, so every module asking in one run gets the same one).

    Why measure instead of reading CPU flags: AVX512-BF16 alone does not make
    bf16 faster. One WRN-16-2 -> WRN-16-1 CPSC step on 2 cores: AMD EPYC
    (AVX512-BF16) 1.84x faster with bf16 than float32; Intel Xeon
    (AVX512-BF16, AVX512-FP16, no AMX) 0.69x, i.e. slower
    (docs/results/cifar10_cpu_speed*.json). The probe is a WRN block's
    shape (two 3x3 convolutions, 64 channels, 32x32, batch 16): about a
    second, its two precisions timed in turn so a change of load hits both.
    """
    torch.manual_seed(0)
    convs = torch.nn.Sequential(
        torch.nn.Conv2d(64, 64, 3, padding=1), torch.nn.ReLU(),
        torch.nn.Conv2d(64, 64, 3, padding=1)).to(
            memory_format=torch.channels_last)
    x = torch.randn(16, 64, 32, 32).to(memory_format=torch.channels_last)

    def step(bf16: bool) -> float:
        start = time.perf_counter()
        with torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
            out = convs(x)
        out.float().sum().backward()
        return time.perf_counter() - start

    step(False), step(True)  # first calls pick kernels
    times: Dict[bool, list] = {False: [], True: []}
    for _ in range(repeats):
        for bf16 in (False, True):
            times[bf16].append(step(bf16))
    return statistics.median(times[False]) / statistics.median(times[True])


def resolve_bf16(enabled: Union[bool, str], owner: str) -> bool:
    """``enabled`` of a bf16 switch: True or False as given, or ``'auto'``:
    on when :func:`bf16_autocast_speedup` is at least ``MIN_SPEEDUP``. The
    choice is logged with the measured speed-up."""
    if isinstance(enabled, bool):
        return enabled
    if enabled != 'auto':
        raise ValueError(
            f"{owner}: enabled={enabled!r}; use True, False or 'auto' "
            '(bf16 only where this CPU runs it faster).')
    from mmengine.logging import print_log
    speedup = bf16_autocast_speedup()
    chosen = speedup >= MIN_SPEEDUP
    print_log(f"{owner}: enabled='auto' -> {'bf16' if chosen else 'float32'}"
              f' (bf16 autocast {speedup:.2f}x float32 on this CPU, needs '
              f'{MIN_SPEEDUP}x)', logger='current')
    return chosen
