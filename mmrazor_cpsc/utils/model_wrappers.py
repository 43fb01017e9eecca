"""One place that looks through mmengine's model wrappers (DDP and kin)."""
from __future__ import annotations

from mmengine.model import is_model_wrapper
from torch import nn


def unwrap_model(model: nn.Module) -> nn.Module:
    """MODEL itself, or the module a DDP-style wrapper holds.

    Hooks reach the algorithm through ``runner.model``, which mmengine wraps
    in ``MMDistributedDataParallel`` (or a sibling) when more than one
    process trains; its attributes (``teacher``, ``generator``...) live on
    the wrapped module.
    """
    return model.module if is_model_wrapper(model) else model
