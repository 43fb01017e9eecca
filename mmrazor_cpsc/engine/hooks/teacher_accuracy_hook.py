"""The teacher's accuracy on the validation set, before the first iteration."""
from __future__ import annotations

from typing import Dict, Optional

import torch
from mmengine.dist import all_reduce
from mmengine.hooks import Hook
from mmrazor.registry import HOOKS
from torch import nn

from ...utils.model_wrappers import unwrap_model
from .random_state_hook import capture_random_state, restore_random_state


def _teachers(model: nn.Module) -> Dict[str, nn.Module]:
    """CPSC's ``teacher``, or every teacher of an MMRazor algorithm."""
    if isinstance(getattr(model, 'teacher', None), nn.Module):
        return {'teacher': model.teacher}
    teachers = getattr(model, 'teachers', None)
    if isinstance(teachers, nn.ModuleDict):
        return dict(teachers.items())
    return {}


@HOOKS.register_module()
class TeacherAccuracyHook(Hook):
    """Log the teacher's top-1 on the validation set before training starts.

    A data-free run trusts its teacher blindly: a checkpoint of another
    dataset, or a data preprocessor whose mean/std differ from the teacher's
    training, gives a student distilled from noise while every step looks
    normal. Measured on the validation images before the first iteration,
    such a teacher shows at once: near-chance accuracy is reported with the
    likely causes, and with ``stop_below`` the run stops instead.

    The measurement leaves the run unchanged: the random-number state is
    restored afterwards, so a run with the hook trains exactly as one
    without. Runs resumed past iteration 0 skip it. Distributed runs sum
    the counts of all ranks.

    Args:
        warn_below (float, optional): top-1 (%) under which to warn. Defaults
            to twice chance (200 / number of classes).
        stop_below (float, optional): top-1 (%) under which to stop the run
            with the same message. Defaults to None (never stop).
        max_batches (int, optional): evaluate at most this many validation
            batches. Defaults to all.
    """

    priority = 'LOW'

    def __init__(self, warn_below: Optional[float] = None,
                 stop_below: Optional[float] = None,
                 max_batches: Optional[int] = None) -> None:
        self.warn_below = warn_below
        self.stop_below = stop_below
        self.max_batches = max_batches

    def before_train(self, runner) -> None:
        if runner.iter > 0 or runner.val_loop is None:
            return
        model = unwrap_model(runner.model)
        self._compare_classes(runner, model)
        teachers = _teachers(model)
        if not teachers:
            runner.logger.warning('TeacherAccuracyHook: the model has no '
                                  '`teacher` or `teachers`; nothing to check.')
            return
        state = capture_random_state()
        try:
            counts = self._count_correct(model, teachers,
                                         runner.val_loop.dataloader)
        finally:
            restore_random_state(state)
        for name, (correct, total, num_classes) in counts.items():
            top1 = 100.0 * correct / max(total, 1)
            runner.message_hub.update_info(f'{name}_val_top1', top1)
            runner.logger.info(
                f'{name}: top-1 {top1:.2f} % on the validation set '
                f'({total} images) before training.')
            warn_below = (self.warn_below if self.warn_below is not None
                          else 200.0 / num_classes)
            message = (
                f'{name} classifies the validation set at {top1:.2f} %, '
                f'below {warn_below:.2f} % (chance is {100 / num_classes:.2f}'
                ' %): a teacher checkpoint of another dataset, validation '
                'data that is not what the teacher was trained on, or a '
                'data_preprocessor whose mean/std/to_rgb differ from the '
                "teacher's training. Distilling it gives a student of noise.")
            if self.stop_below is not None and top1 < self.stop_below:
                raise RuntimeError(message)
            if top1 < warn_below:
                runner.logger.warning(message)

    @staticmethod
    def _compare_classes(runner, model: nn.Module) -> None:
        """The teacher's training classes (its checkpoint's meta) against
        the validation set's: a different number stops the run, other
        names in the same number warn."""
        teacher_classes = getattr(model, 'teacher_classes', None)
        val_classes = getattr(runner.val_loop.dataloader.dataset, 'metainfo',
                              {}).get('classes')
        if not teacher_classes or not val_classes or \
                list(teacher_classes) == list(val_classes):
            return
        message = (f'the teacher was trained on {len(teacher_classes)} '
                   f'classes {list(teacher_classes)[:10]}, the validation set '
                   f'has {len(val_classes)}: {list(val_classes)[:10]}.')
        if len(teacher_classes) != len(val_classes):
            raise RuntimeError(
                f'{message} Point val_dataloader (and test_dataloader) at '
                "the teacher's dataset, or use a teacher of this one.")
        runner.logger.warning(
            f'{message} Same number, other names: check that class i means '
            'the same thing to both.')

    def _count_correct(self, model: nn.Module, teachers: Dict[str, nn.Module],
                       loader) -> Dict[str, tuple]:
        device = next(model.parameters()).device
        counts = {name: torch.zeros(2, dtype=torch.float64, device=device)
                  for name in teachers}
        num_classes = {}
        with torch.no_grad():
            for i, data in enumerate(loader):
                if self.max_batches is not None and i >= self.max_batches:
                    break
                data = model.data_preprocessor(data, False)
                labels = torch.cat([s.gt_label for s in data['data_samples']
                                    ]).to(device)
                for name, teacher in teachers.items():
                    was_training = teacher.training
                    teacher.eval()
                    logits = teacher(data['inputs'], mode='tensor')
                    teacher.train(was_training)
                    num_classes[name] = logits.shape[1]
                    counts[name] += torch.tensor(
                        [(logits.argmax(1) == labels).sum().item(),
                         labels.numel()], dtype=torch.float64, device=device)
        result = {}
        for name, count in counts.items():
            all_reduce(count)
            result[name] = (count[0].item(), int(count[1].item()),
                            num_classes.get(name, 2))
        return result
