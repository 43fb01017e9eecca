"""Compile chosen sub-modules of the model with ``torch.compile``."""
from __future__ import annotations

from typing import Optional, Sequence

from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmrazor.registry import HOOKS
from torch import nn

from ._utils import algorithm_submodules, network_paths


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
    rounding of fused kernels). Measured with ``.dev_scripts/cpu_speed.py`` on the
    CIFAR-10 CPU pair (Intel Xeon, 2 cores, float32): 1.47x the plain run's
    iterations per second, after a one-off compilation of about 100 s
    (seconds when inductor's on-disk cache already holds the graphs);
    compiling the whole ``train_step`` instead was slower than not
    compiling (0.79x at best). Not in the shipped configs yet: add
    ``dict(type='CompileModulesHook')`` to ``custom_hooks``.

    Args:
        modules (Sequence[str], optional): attribute paths in the
            algorithm; a container (``nn.ModuleDict`` / ``nn.ModuleList``)
            compiles each of its members. A missing path is an error naming
            it. Defaults to None: the algorithm's networks, those of
            ``teacher`` (ours), ``teachers`` (MMRazor's data-free
            algorithms), ``architecture`` and ``generator`` that it has, so
            one ``dict(type='CompileModulesHook')`` fits CPSC and MMRazor's
            DAFL, DFAD and ZSKT alike.
        compile_cfg (dict, optional): keyword arguments of ``torch.compile``
            (e.g. ``dict(mode='max-autotune')``). Defaults to None (its
            defaults).
    """
    priority = 'LOW'  # after the hooks that change the modules (layout, bf16)

    def __init__(self,
                 modules: Optional[Sequence[str]] = None,
                 compile_cfg: Optional[dict] = None) -> None:
        self.modules = None if modules is None else tuple(modules)
        self.compile_cfg = dict(compile_cfg or {})

    def before_run(self, runner) -> None:
        paths = self.modules
        if paths is None:
            paths = network_paths(runner, type(self).__name__)
        compiled = []
        for path, module in zip(
                paths,
                algorithm_submodules(runner, paths, type(self).__name__)):
            # A container (MMRazor's ``teachers`` ModuleDict) is never
            # called itself: compile what it holds.
            if isinstance(module, (nn.ModuleDict, nn.ModuleList)):
                members = [(f'{path}.{name}', child)
                           for name, child in module.named_children()]
            else:
                members = [(path, module)]
            for name, member in members:
                member.compile(**self.compile_cfg)
                compiled.append(name)
        print_log(f'CompileModulesHook: {", ".join(compiled)} compiled '
                  '(the first iterations include compilation)',
                  logger='current')
