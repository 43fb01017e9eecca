"""What several hooks need from the runner's model."""
from __future__ import annotations

from typing import List, Sequence

from mmengine.model import is_model_wrapper
from torch import nn


def algorithm_submodules(runner, paths: Sequence[str],
                         hook_name: str) -> List[nn.Module]:
    """The sub-modules at PATHS (e.g. ``'generator'``) of the runner's
    algorithm, unwrapped from DDP; a missing one is an error naming the
    hook, the path and the algorithm's children."""
    model = runner.model.module if is_model_wrapper(
        runner.model) else runner.model
    modules = []
    for path in paths:
        try:
            modules.append(model.get_submodule(path))
        except AttributeError:
            raise ValueError(
                f'{hook_name}: the model has no sub-module {path!r}; name one '
                f'of its children '
                f'({", ".join(n for n, _ in model.named_children())}).'
            ) from None
    return modules
