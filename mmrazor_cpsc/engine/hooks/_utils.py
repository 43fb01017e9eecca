"""What several hooks need from the runner's model."""
from __future__ import annotations

from typing import List, Sequence, Tuple

from torch import nn

from ...utils.model_wrappers import unwrap_model


def algorithm_submodules(runner, paths: Sequence[str],
                         hook_name: str) -> List[nn.Module]:
    """The sub-modules at PATHS (e.g. ``'generator'``) of the runner's
    algorithm, unwrapped from DDP; a missing one is an error naming the
    hook, the path and the algorithm's children."""
    model = unwrap_model(runner.model)
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


# The attributes under which our algorithm (``teacher``) and MMRazor's
# data-free algorithms (``teachers``, a ModuleDict) keep their networks.
NETWORK_ATTRIBUTES = ('teacher', 'teachers', 'architecture', 'generator')


def network_paths(runner, hook_name: str) -> Tuple[str, ...]:
    """Those of ``NETWORK_ATTRIBUTES`` the runner's algorithm has; none is
    an error naming the hook and the algorithm's children."""
    model = unwrap_model(runner.model)
    children = dict(model.named_children())
    paths = tuple(name for name in NETWORK_ATTRIBUTES if name in children)
    if not paths:
        raise ValueError(
            f'{hook_name}: the model has none of the networks '
            f'{", ".join(NETWORK_ATTRIBUTES)}; name the sub-modules with '
            f'modules=[...] (its children: {", ".join(children)}).')
    return paths
