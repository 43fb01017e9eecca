"""Hold the student's updates back for the first iterations of a data-free
run, so the generator trains alone first (any algorithm, not only CPSC)."""
from __future__ import annotations

from typing import Optional

from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.optim import OptimWrapperDict
from mmrazor.registry import HOOKS


@HOOKS.register_module()
class GeneratorHeadStartHook(Hook):
    """A generator head start for data-free algorithms that have none: in
    the first ``student_start_iter`` iterations the student's optimiser
    wrapper makes no update (no backward, no step; its gradients are
    cleared), while the generator trains as usual.

    Why: at the start of a data-free run the generator is random and the
    teacher reads nearly every synthetic image as one class, so the
    student's cheapest match is a constant output; it reaches it by pushing
    its last BN-ReLU below zero everywhere, and a dead ReLU passes no
    gradient, so the run never recovers (measured on CIFAR-10 for CPSC and
    for MMRazor's DAFL: every pooled feature of the student exactly zero
    on real images). CPSC's algorithm has this head start built in
    (``CPSCDataFreeDistillation.student_start_iter``); this hook gives the
    same head start to MMRazor's ``DAFLDataFreeDistillation`` and
    ``DataFreeDistillation`` (DFAD, ZSKT), whose code is not ours, so every
    method of a comparison can have it.

    The student's forward passes still run during the head start (the
    algorithm's code is unchanged; only its update is held), so the
    student's BN running statistics follow the generator's images as they
    would anyway. The learning-rate schedule runs on: a warm-up shorter
    than the head start is over when the student starts.

    It holds the updates made through ``OptimWrapper.update_params``, the
    way every MMRazor algorithm updates its networks.

    Args:
        student_start_iter (int): the first iteration (0-based) at which
            the student is updated. 0 turns the hook off.
        optim_wrapper (str): the key of the student's optimiser wrapper in
            the runner's ``OptimWrapperDict`` (``'architecture'`` in
            MMRazor's data-free algorithms).

    Example:
        >>> custom_hooks = [dict(type='GeneratorHeadStartHook',
        ...                      student_start_iter=40)]
    """
    priority = 'VERY_HIGH'

    def __init__(self, student_start_iter: int = 40,
                 optim_wrapper: str = 'architecture') -> None:
        if isinstance(student_start_iter, bool) or not isinstance(
                student_start_iter, int) or student_start_iter < 0:
            raise ValueError(
                'GeneratorHeadStartHook: student_start_iter must be an '
                f'integer >= 0 (0 turns the hook off), got '
                f'{student_start_iter!r}')
        self.student_start_iter = student_start_iter
        self.optim_wrapper = optim_wrapper
        self.holding = False
        self.held_updates = 0
        self._wrapped = None

    def before_train(self, runner) -> None:
        if self.student_start_iter == 0:
            return
        wrappers = runner.optim_wrapper
        if not isinstance(wrappers, OptimWrapperDict) or \
                self.optim_wrapper not in wrappers:
            have = sorted(wrappers.keys()) if isinstance(
                wrappers, OptimWrapperDict) else type(wrappers).__name__
            raise ValueError(
                'GeneratorHeadStartHook: the runner has no optimiser wrapper '
                f'{self.optim_wrapper!r} for the student (it has {have}); '
                'a data-free algorithm keeps one per network '
                "(optim_wrapper=dict(constructor='mmrazor."
                "SeparateOptimWrapperConstructor', architecture=..., "
                "generator=...)); set the hook's optim_wrapper to the "
                "student's key")
        student = wrappers[self.optim_wrapper]
        update_params = student.update_params

        def held_update_params(loss, *args, **kwargs) -> None:
            if self.holding:
                self.held_updates += 1
                student.zero_grad()
                return None
            return update_params(loss, *args, **kwargs)

        # An instance attribute shadows the method for this run only;
        # after_train removes it.
        student.update_params = held_update_params
        self._wrapped = student
        print_log(
            f'GeneratorHeadStartHook: the student ({self.optim_wrapper!r}) '
            f'starts at iteration {self.student_start_iter}; the generator '
            'trains alone before it', logger='current')

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch: Optional[dict] = None) -> None:
        holding = self._wrapped is not None and \
            runner.iter < self.student_start_iter
        if self.holding and not holding:
            print_log(
                f'GeneratorHeadStartHook: student starts at iteration '
                f'{runner.iter} ({self.held_updates} updates held)',
                logger='current')
        self.holding = holding

    def after_train(self, runner) -> None:
        if self._wrapped is not None:
            del self._wrapped.update_params
            self._wrapped = None
        self.holding = False
