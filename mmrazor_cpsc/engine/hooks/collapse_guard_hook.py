"""A data-free collapse guard: signs that the generator or the student is
collapsing, measured on synthetic images alone."""
from __future__ import annotations

import math
import re
from typing import Dict, Optional

import torch
from mmengine.hooks import Hook
from mmrazor.registry import HOOKS
from torch import nn

from ...models.utils.cross_rank import local_only
from ...utils.model_wrappers import unwrap_model
from ...visualization import class_rows


def _teacher_of(algorithm: nn.Module) -> nn.Module:
    """CPSC's ``teacher``, or the first of MMRazor's ``teachers``."""
    if hasattr(algorithm, 'teacher'):
        return unwrap_model(algorithm.teacher)
    return unwrap_model(next(iter(algorithm.teachers.values())))


def _pooled(features) -> torch.Tensor:
    """(N, D) features from a classifier's ``extract_feat`` output: the
    last of a tuple, globally average-pooled when it is still spatial."""
    if isinstance(features, (tuple, list)):
        features = features[-1]
    if features.dim() > 2:
        features = features.flatten(2).mean(-1)
    return features


@HOOKS.register_module()
class CollapseGuardHook(Hook):
    """Watches for generator and student collapse with no real data.

    Every ``interval`` iterations it draws ``batch_size`` synthetic images
    (class-balanced for a class-conditional generator such as CPSC's; from
    the generator's own noise for MMRazor's DAFL / DFAD / ZSKT generators),
    and logs

    - ``collapse/class_entropy``: the entropy of the teacher's predicted
      class histogram over those images, divided by ``log K`` (1: every
      class equally often; 0: one class for all);
    - ``collapse/dead_features``: the fraction of the student's pooled
      features that are zero on every image (a student whose features died
      predicts one class for any input);
    - ``collapse/kd_loss``: the student's distillation loss of the
      iteration, read from the train step's log (``kd_loss_key``).

    It warns, with the likely cause, when the class entropy falls below
    ``min_class_entropy``, when more than ``max_dead_features`` of the
    features are dead, and when the distillation loss is below
    ``min_kd_loss`` while the classes collapse (the student matches the
    teacher on images that carry no information). Each condition warns when
    it starts and again when it ends. The guard changes nothing in the
    training; it works for any algorithm with a ``generator``, a
    ``teacher`` (or ``teachers``) and an ``architecture``.

    Args:
        interval (int): iterations between checks. Defaults to 100.
        batch_size (int): synthetic images per check. Defaults to 100.
        min_class_entropy (float): warning threshold, in (0, 1].
            Defaults to 0.5.
        max_dead_features (float): warning threshold, in [0, 1).
            Defaults to 0.5.
        min_kd_loss (float): with collapsing classes, a distillation loss
            below this is a warning too. Defaults to 1e-3.
        kd_loss_key (str): regular expression for the student's
            distillation loss among the train step's log keys (CPSC's
            ``stu.loss_kl``, MMRazor's ``distill.loss_*``).
        seed (int): seed of the check's noise. Defaults to 0.
    """
    # Before mmengine's LoggerHook (BELOW_NORMAL): the iteration's log line
    # carries the iteration's check.
    priority = 'NORMAL'

    def __init__(self, interval: int = 100, batch_size: int = 100,
                 min_class_entropy: float = 0.5,
                 max_dead_features: float = 0.5, min_kd_loss: float = 1e-3,
                 kd_loss_key: str = r'^(stu|distill)\.loss_(kl|kd|l1)$',
                 seed: int = 0) -> None:
        if interval < 1 or batch_size < 2:
            raise ValueError('CollapseGuardHook: interval must be >= 1 and '
                             f'batch_size >= 2, got {interval}, '
                             f'{batch_size}.')
        if not 0 < min_class_entropy <= 1 or not 0 <= max_dead_features < 1:
            raise ValueError(
                'CollapseGuardHook: min_class_entropy must be in (0, 1] and '
                'max_dead_features in [0, 1), got '
                f'{min_class_entropy}, {max_dead_features}.')
        self.interval = interval
        self.batch_size = batch_size
        self.min_class_entropy = min_class_entropy
        self.max_dead_features = max_dead_features
        self.min_kd_loss = min_kd_loss
        self.kd_loss_key = re.compile(kd_loss_key)
        self.seed = seed
        self._warned: Dict[str, bool] = {}
        self._classes = 0

    def _images(self, generator: nn.Module) -> torch.Tensor:
        num_classes = getattr(generator, 'num_classes', None)
        if num_classes:  # class-conditional (CPSC): a balanced batch
            per_class = max(1, self.batch_size // num_classes)
            images, _ = class_rows(generator, list(range(num_classes)),
                                   per_class, self.seed)
            return images
        was_training = generator.training
        generator.train()
        try:
            torch.manual_seed(self.seed)
            return generator(batch_size=self.batch_size)
        finally:
            generator.train(was_training)

    @torch.no_grad()
    def measure(self, algorithm: nn.Module) -> Dict[str, float]:
        """``class_entropy``, ``classes_seen`` and ``dead_features`` of
        ALGORITHM on one synthetic batch (no gradient, no collective call,
        the random state restored)."""
        algorithm = unwrap_model(algorithm)
        state = torch.random.get_rng_state()
        try:
            with local_only():
                images = self._images(unwrap_model(algorithm.generator))
                logits = _teacher_of(algorithm)(images, None, mode='tensor')
                student = unwrap_model(algorithm.architecture)
                features = _pooled(student.extract_feat(images))
        finally:
            torch.random.set_rng_state(state)
        num_classes = logits.shape[1]
        counts = torch.bincount(logits.argmax(1), minlength=num_classes)
        share = counts.float() / counts.sum()
        share = share[share > 0]
        entropy = max(0.0, float(-(share * share.log()).sum()) /
                      math.log(num_classes))
        dead = (features.abs().amax(0) == 0).float().mean()
        self._classes = num_classes
        return dict(class_entropy=entropy, classes_seen=int(len(share)),
                    dead_features=float(dead))

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        if not (self.every_n_train_iters(runner, self.interval)
                or self.is_last_train_iter(runner)):
            return
        found = self.measure(runner.model)
        kd = [float(v.detach()) if torch.is_tensor(v) else float(v)
              for k, v in (outputs or {}).items()
              if self.kd_loss_key.search(k)]
        # mmengine's log processor reports the 'train/' scalars of the hub.
        hub = runner.message_hub
        hub.update_scalar('train/collapse/class_entropy',
                          found['class_entropy'])
        hub.update_scalar('train/collapse/dead_features',
                          found['dead_features'])
        if kd:
            hub.update_scalar('train/collapse/kd_loss', sum(kd))
        few_classes = found['class_entropy'] < self.min_class_entropy
        self._report(runner, 'classes', few_classes, (
            f"the teacher puts the generator's images in "
            f"{found['classes_seen']} of {self._classes} classes (entropy "
            f"{found['class_entropy']:.2f} < {self.min_class_entropy}): the "
            'generator is collapsing onto a few classes. Likely cause: its '
            'adversarial terms outweigh its conditioning; give it a head '
            'start (GeneratorHeadStartHook, or CPSC\'s student_start_iter) '
            'or lower its learning rate.'))
        self._report(runner, 'dead',
                     found['dead_features'] > self.max_dead_features, (
                         f"{found['dead_features']:.0%} of the student's "
                         'pooled features are zero on every synthetic '
                         'image: the student is dying and will predict one '
                         'class for any input. Likely cause: student steps '
                         'on images of an untrained generator; give the '
                         'generator a head start, or lower the student\'s '
                         'learning rate.'))
        self._report(runner, 'kd', bool(kd) and few_classes
                     and sum(kd) < self.min_kd_loss, (
                         f'the distillation loss is {sum(kd):.1e} on images '
                         'of a few classes: the student matches the teacher '
                         'on images that teach it nothing (mode collapse).'))

    def _report(self, runner, name: str, now: bool, message: str) -> None:
        """Warn when condition NAME starts, log when it ends."""
        if now and not self._warned.get(name):
            runner.logger.warning(f'CollapseGuardHook: {message}')
        elif not now and self._warned.get(name):
            runner.logger.info(f'CollapseGuardHook: {name} recovered.')
        self._warned[name] = now
