"""What a checkpoint records about the data its model was trained on.

:class:`~mmrazor_cpsc.engine.hooks.TrainingDataMetaHook` writes the record;
teacher loading (:func:`mmrazor_cpsc.utils.check_teacher_normalization`)
and ``tools/test.py`` read it back and compare it with the config at hand.
"""
from __future__ import annotations

from typing import Dict, Optional

# Where the record lives in a checkpoint's ``meta``.
META_KEY = 'training_data'


def innermost_dataset_type(dataset_cfg: Optional[Dict]) -> Optional[str]:
    """The ``type`` of the dataset that wrappers (``HeldOutSplit``,
    ``RepeatDataset``...) finally wrap, or None without one."""
    while isinstance(dataset_cfg, dict):
        inner = dataset_cfg.get('dataset')
        if not isinstance(inner, dict):
            return dataset_cfg.get('type')
        dataset_cfg = inner
    return None


def normalization_of(preprocessor_cfg: Optional[Dict]) -> Optional[Dict]:
    """``mean`` / ``std`` (lists of floats) and ``to_rgb`` (bool) of a data
    preprocessor config; None when it does not normalise."""
    if not isinstance(preprocessor_cfg, dict) or \
            preprocessor_cfg.get('mean') is None:
        return None
    return dict(
        mean=[float(v) for v in preprocessor_cfg['mean']],
        std=[float(v) for v in preprocessor_cfg.get('std') or []],
        to_rgb=bool(preprocessor_cfg.get('to_rgb',
                                         preprocessor_cfg.get('bgr_to_rgb',
                                                              False))))


def training_data_record(cfg: Dict) -> Dict:
    """The record :data:`META_KEY` holds for a run of config CFG: the
    training dataset's type and the data preprocessor's normalisation."""
    model_cfg = cfg.get('model') or {}
    return dict(
        dataset_type=innermost_dataset_type(
            (cfg.get('train_dataloader') or {}).get('dataset')),
        normalization=normalization_of(
            model_cfg.get('data_preprocessor')
            or cfg.get('data_preprocessor')))
