"""Turn a distillation checkpoint into a plain mmpretrain checkpoint."""
from __future__ import annotations

import os
from collections import OrderedDict
from typing import Dict, Optional

import torch

from ..compat import safe_mmengine_checkpoint_loading
from ..utils.config_checks import ConfigError

STUDENT_PREFIX = 'architecture.'


def export_student(src: str, dst: str, prefix: str = STUDENT_PREFIX,
                   dataset_meta: Optional[Dict] = None) -> Dict:
    """Write the student's weights of ``src`` to ``dst``.

    The output is ``{'state_dict': ..., 'meta': {...}}``, what mmpretrain's
    tools and ``mmengine.runner.load_checkpoint`` read, so the student runs
    with mmpretrain's own test and inference tools. The source is read with
    the weights-only loader.

    Args:
        src (str): checkpoint written while training a distillation algorithm.
        dst (str): output path.
        prefix (str): key prefix of the student in the algorithm. Defaults to
            'architecture.' (MMRazor's name for the student).
        dataset_meta (dict, optional): e.g. ``dict(classes=[...])``, stored
            in ``meta['dataset_meta']``, where mmpretrain's ``init_model``
            and inferencers read the class names from.

    Returns:
        dict: the written student state dict.

    Raises:
        ConfigError: ``src`` is missing or holds no student under ``prefix``
            (a ``ValueError``; the tools print it as one line).
    """
    if not os.path.isfile(src):
        raise ConfigError(f'checkpoint {src!r} does not exist: pass the '
                          "distillation run's iter_N.pth or best_*.pth.")
    with safe_mmengine_checkpoint_loading():
        checkpoint = torch.load(src, map_location='cpu', weights_only=True)
    state_dict = checkpoint.get('state_dict', checkpoint)
    student = OrderedDict((k[len(prefix):], v) for k, v in state_dict.items()
                          if k.startswith(prefix))
    if not student:
        raise ConfigError(
            f'{src!r} has no weights under {prefix!r}: it is not a checkpoint '
            'of a distillation algorithm (top-level keys start with '
            f'{sorted({k.split(".")[0] for k in state_dict})}); pass the '
            "distillation run's checkpoint, or --prefix for another layout.")
    meta = {'source_checkpoint': os.path.abspath(src)}
    for key in ('iter', 'epoch'):
        if key in checkpoint.get('meta', {}):
            meta[key] = checkpoint['meta'][key]
    if dataset_meta is not None:
        meta['dataset_meta'] = dict(dataset_meta)
    os.makedirs(os.path.dirname(os.path.abspath(dst)), exist_ok=True)
    torch.save({'state_dict': student, 'meta': meta}, dst)
    return student
