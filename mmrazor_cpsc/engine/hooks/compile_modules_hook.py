"""Compile chosen sub-modules of the model with ``torch.compile``."""
from __future__ import annotations

from typing import Optional, Sequence

from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmrazor.registry import HOOKS

from ._utils import algorithm_submodules


@HOOKS.register_module()
class CompileModulesHook(Hook):
    """Compiles the named sub-modules (by default teacher, student and
    generator) in place with ``nn.Module.compile`` before training.

    Why not mmengine's ``compile=True``: that compiles the algorithm's whole
    ``train_step``, optimiser steps, loss bookkeeping and logging included,
    which a data-free algorithm with several updates per iteration breaks
    into many graphs. Compiling the networks alone leaves the Python around
    them as it is. ``nn.Module.compile`` keeps the modules and their
    ``state_dict`` keys unchanged (no ``_orig_mod.`` prefix), so checkpoints
    load into an uncompiled model, and forward hooks (MMRazor's recorders)
    still fire: the compiled graph includes them.

    A CPU-speed setting that does not change what is computed (up to float
    rounding of fused kernels). Measured with ``tools/cpu_speed.py`` on the
    CIFAR-10 CPU pair (Intel Xeon, 2 cores, float32): 1.47x the plain run's
    iterations per second, after a one-off compilation of about 100 s
    (seconds when inductor's on-disk cache already holds the graphs);
    compiling the whole ``train_step`` instead was slower than not
    compiling (0.79x at best). Not in the shipped configs yet: add
    ``dict(type='CompileModulesHook')`` to ``custom_hooks``.

    Args:
        modules (Sequence[str]): attribute paths in the algorithm. A missing
            one is an error naming it. Defaults to
            ``('teacher', 'architecture', 'generator')``.
        compile_cfg (dict, optional): keyword arguments of ``torch.compile``
            (e.g. ``dict(mode='max-autotune')``). Defaults to None (its
            defaults).
    """
    priority = 'LOW'  # after the hooks that change the modules (layout, bf16)

    def __init__(self,
                 modules: Sequence[str] = ('teacher', 'architecture',
                                           'generator'),
                 compile_cfg: Optional[dict] = None) -> None:
        self.modules = tuple(modules)
        self.compile_cfg = dict(compile_cfg or {})

    def before_run(self, runner) -> None:
        for module in algorithm_submodules(runner, self.modules,
                                           type(self).__name__):
            module.compile(**self.compile_cfg)
        print_log(f'CompileModulesHook: {", ".join(self.modules)} compiled '
                  '(the first iterations include compilation)',
                  logger='current')
