"""MMRazor's DataFreeDistillation (DFAD, ZSKT) with the student-side levers
of CPSC's algorithm: a synthetic replay bank, augmentation of the student's
synthetic images."""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import torch
from mmengine.optim import OptimWrapper
from mmrazor.models.algorithms.distill.configurable.datafree_distillation \
    import DataFreeDistillation
from mmrazor.models.utils import add_prefix
from mmrazor.registry import MODELS, TASK_UTILS

from ..task_modules.replay import replay_into_records


@MODELS.register_module()
class ReplayDataFreeDistillation(DataFreeDistillation):
    """MMRazor's ``DataFreeDistillation`` whose student steps replay a
    ``SyntheticReplayBank`` and/or augment their synthetic images.

    Both are levers that are not specific to CPSC, so a comparison gives
    them to the baselines through the same components: DFAD
    and ZSKT run on this class exactly as on MMRazor's (same generator step,
    same losses and distillers, ``student_iter`` student updates per
    iteration) except that each student batch of ``N`` is
    ``bank.split(N)``: fresh samples, which the teacher sees and which are
    stored with the teacher's records, plus samples replayed from the bank
    with their stored records (no generator or teacher forward for them).
    With ``student_augment`` (e.g. ``RandomCropFlip``) the fresh images are
    augmented before the teacher and the student see them, as in
    ``CPSCDataFreeDistillation``. Without either, the student step is
    MMRazor's.

    Differences from MMRazor's ``train_student`` that do not change the
    losses: the models are called with ``mode='tensor'`` (MMRazor calls
    ``mode='loss'`` and discards the classifier's own loss; the recorders
    record the same tensors), and the student's gradients are applied by
    its optimiser wrapper as in MMRazor.

    Args:
        replay_bank (dict, optional): a ``SyntheticReplayBank`` config.
        student_augment (dict, optional): a batch augmentation module config
            (e.g. ``RandomCropFlip``) for the student steps' fresh images.
        **kwargs: the arguments of MMRazor's ``DataFreeDistillation``
            (distiller, generator_distiller, teachers, generator,
            student_iter, student_train_first, ...).
    """

    def __init__(self, *args, replay_bank: Optional[Dict] = None,
                 student_augment: Optional[Dict] = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.replay_bank = (TASK_UTILS.build(replay_bank)
                            if replay_bank else None)
        self.student_augment = (MODELS.build(student_augment)
                                if student_augment else None)

    def train_student(self, data: Dict[str, List[dict]],
                      optimizer: OptimWrapper
                      ) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
        """``student_iter`` student updates, each on a batch partly
        replayed and/or augmented."""
        if self.replay_bank is None and self.student_augment is None:
            return super().train_student(data, optimizer)
        batch_size = len(data['inputs'])
        latent_dim = self.generator.module.latent_dim
        for _ in range(self.student_iter):
            fresh, replayed = (self.replay_bank.split(batch_size)
                               if self.replay_bank is not None else
                               (batch_size, 0))
            device = next(self.generator.parameters()).device
            with torch.no_grad():
                images = self.generator(
                    torch.randn(fresh, latent_dim, device=device), fresh)
                if self.student_augment is not None:
                    images = self.student_augment(images)
            # DFAD / ZSKT losses use no labels; the bank keeps a column of
            # zeros so its layout is the one of every algorithm.
            labels = torch.zeros(fresh, dtype=torch.long, device=device)
            with optimizer.optim_context(self.student):
                with self.distiller.teacher_recorders, torch.no_grad():
                    for teacher in self.teachers.values():
                        teacher(images, None, mode='tensor')
                if self.replay_bank is not None:
                    images, _ = replay_into_records(
                        self.replay_bank, self.distiller.teacher_recorders,
                        images, labels, replayed)
                with self.distiller.student_recorders:
                    self.student(images, None, mode='tensor')
                losses = self.distiller.compute_distill_losses()
            loss, log_vars = self.parse_losses(losses)
            optimizer.update_params(loss)
        log_vars = add_prefix(log_vars, 'distill')
        if self.replay_bank is not None:
            log_vars['distill.replayed'] = torch.tensor(replayed / batch_size)
        return loss, log_vars
