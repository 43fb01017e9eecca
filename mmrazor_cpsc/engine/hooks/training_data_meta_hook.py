"""Record in every checkpoint what the model was trained on."""
from __future__ import annotations

from typing import Dict

from mmengine.hooks import Hook
from mmrazor.registry import HOOKS

from ...utils.training_data_meta import META_KEY, training_data_record

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
        checkpoint.setdefault('meta', {})[META_KEY] = \
            training_data_record(runner.cfg)
