"""Reuse freed CPU memory across training steps instead of re-faulting it."""
from __future__ import annotations

from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmrazor.registry import HOOKS

from mmrazor_cpsc.utils.allocator import (MAX_MMAP_THRESHOLD,
                                          check_malloc_settings,
                                          keep_freed_memory)


@HOOKS.register_module()
class CPUMemoryReuseHook(Hook):
    """Applies :func:`mmrazor_cpsc.utils.allocator.keep_freed_memory` before
    training, so each step reuses the heap memory the previous step freed.

    A CPU-speed setting with no effect on the numbers: on 2 CPU cores it made
    an MNIST CPSC iteration 1.4x faster (system time from page faults 22 s ->
    1.4 s over 30 iterations). It changes process-wide ``malloc`` settings,
    which is why it is a hook that a config asks for, not an import side
    effect. Nothing happens on a C library other than glibc.

    Args:
        mmap_threshold (int): bytes; larger blocks still get their own mmap.
            At most 32 MiB. Defaults to 32 MiB.
        trim_threshold (int): bytes of free heap kept. Defaults to 4 GiB.
        top_pad (int): bytes added whenever the heap grows. Defaults to
            256 MiB.
    """
    priority = 'HIGHEST'

    def __init__(self, mmap_threshold: int = MAX_MMAP_THRESHOLD,
                 trim_threshold: int = 4 * 1024**3,
                 top_pad: int = 256 * 1024**2) -> None:
        self.settings = dict(mmap_threshold=mmap_threshold,
                             trim_threshold=trim_threshold, top_pad=top_pad)
        # Validate at build time, so a bad value fails before any work.
        check_malloc_settings(**self.settings)

    def before_run(self, runner) -> None:
        applied = keep_freed_memory(**self.settings)
        print_log(
            f'CPUMemoryReuseHook: malloc settings {applied}' if applied else
            'CPUMemoryReuseHook: not glibc, malloc settings left unchanged',
            logger='current')
