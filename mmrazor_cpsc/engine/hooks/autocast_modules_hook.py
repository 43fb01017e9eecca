"""Run chosen sub-modules' forward under CPU bfloat16 autocast, whoever calls
them."""
from __future__ import annotations

import functools
from typing import Sequence, Union

import torch
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmrazor.registry import HOOKS

from mmrazor_cpsc.utils.cpu_bf16 import resolve_bf16

from ._utils import algorithm_submodules


@HOOKS.register_module()
class AutocastModulesHook(Hook):
    """Wraps the ``forward`` of the named sub-modules of the model (by
    default the ``generator``) in ``torch.autocast('cpu', dtype=bfloat16)``
    and returns their tensor outputs in float32.

    Why: :class:`CPUAutocastOptimWrapper` covers what an algorithm runs inside
    ``optim_wrapper.optim_context``. MMRazor's DFKD algorithms (DAFL, and
    DFAD / ZSKT through ``DataFreeDistillation``) call their generator
    outside it, and CPSC synthesises the student step's images outside it,
    so without this hook the generators would run in float32 for some steps
    and methods and in bf16 for others. With it every method's generator runs
    in bf16 at every step. The float32 output keeps whatever consumes the
    images (a teacher outside autocast, a loss) in its own precision.

    Args:
        modules (Sequence[str]): attribute paths in the algorithm, e.g.
            ``('generator', )``. A missing one is an error naming it.
        enabled (bool | str): False leaves the forwards untouched;
            ``'auto'`` wraps them only where bf16 is faster on this CPU (as
            ``CPUAutocastOptimWrapper(enabled='auto')``, the same probe).
            Defaults to True.
    """
    priority = 'VERY_HIGH'

    def __init__(self, modules: Sequence[str] = ('generator', ),
                 enabled: Union[bool, str] = True) -> None:
        self.modules = tuple(modules)
        self.enabled = resolve_bf16(enabled, type(self).__name__)

    def before_run(self, runner) -> None:
        if not self.enabled:
            return
        for module in algorithm_submodules(runner, self.modules,
                                           type(self).__name__):
            module.forward = _autocast_forward(module.forward)
        print_log(f'AutocastModulesHook: {", ".join(self.modules)} forward '
                  'in bfloat16', logger='current')


def _autocast_forward(forward):

    @functools.wraps(forward)
    def wrapped(*args, **kwargs):
        with torch.autocast('cpu', dtype=torch.bfloat16):
            out = forward(*args, **kwargs)
        if isinstance(out, torch.Tensor) and out.is_floating_point():
            return out.float()
        return out

    return wrapped
