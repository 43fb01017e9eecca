"""Finding a recorder's source module, with an error that helps."""
from __future__ import annotations

import difflib

from torch import nn


def find_source_module(model: nn.Module, source: str,
                       recorder: str) -> nn.Module:
    """The sub-module named ``source`` ('' is the model itself)."""
    modules = dict(model.named_modules())
    if source in modules:
        return modules[source]
    close = difflib.get_close_matches(source, list(modules), n=5)
    hint = f' Close names: {close}.' if close else ''
    raise ValueError(
        f'{recorder}: source {source!r} is not a module of '
        f'{type(model).__name__}.{hint} Use a name from model.named_modules() '
        "('' for the whole model).")
