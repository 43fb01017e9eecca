"""Record in every checkpoint what the model was trained on."""
from __future__ import annotations

from typing import Dict, Optional

from mmengine.hooks import Hook
from mmrazor.registry import HOOKS

META_KEY = 'training_data'


def _innermost_type(dataset_cfg: Dict) -> Optional[str]:
    while isinstance(dataset_cfg, dict):
        inner = dataset_cfg.get('dataset')
        if not isinstance(inner, dict):
            return dataset_cfg.get('type')
        dataset_cfg = inner
    return None


def normalization_of(preprocessor_cfg: Optional[Dict]) -> Optional[Dict]:
    """mean / std / to_rgb of a data preprocessor config, as lists."""
    if not isinstance(preprocessor_cfg, dict) or \
            preprocessor_cfg.get('mean') is None:
        return None
    return dict(
        mean=[float(v) for v in preprocessor_cfg['mean']],
        std=[float(v) for v in preprocessor_cfg.get('std') or []],
        to_rgb=bool(preprocessor_cfg.get('to_rgb',
                                         preprocessor_cfg.get('bgr_to_rgb',
                                                              False))))


@HOOKS.register_module()
class TrainingDataMetaHook(Hook):
    """Store ``meta['training_data']`` in every checkpoint: the training
    dataset's type and the data preprocessor's normalisation (mean, std,
    channel conversion). mmengine already stores the class names
    (``meta['dataset_meta']``).

    A teacher trained with this hook can be checked against the config that
    distils it: :class:`CPSCDataFreeDistillation` refuses a teacher whose
    recorded normalisation differs from the config's data preprocessor (the
    teacher would see images scaled differently from its training), and
    :class:`TeacherAccuracyHook` compares the class names with the
    validation set's.
    """

    def before_save_checkpoint(self, runner, checkpoint: Dict) -> None:
        cfg = runner.cfg
        model_cfg = cfg.get('model') or {}
        record = dict(
            dataset_type=_innermost_type(
                (cfg.get('train_dataloader') or {}).get('dataset')),
            normalization=normalization_of(
                model_cfg.get('data_preprocessor')
                or cfg.get('data_preprocessor')))
        checkpoint.setdefault('meta', {})[META_KEY] = record
