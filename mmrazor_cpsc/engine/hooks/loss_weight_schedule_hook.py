"""Change named loss weights over the training iterations."""
from __future__ import annotations

import math
from typing import Dict, List, Optional, Sequence

from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmrazor.registry import HOOKS


@HOOKS.register_module()
class LossWeightScheduleHook(Hook):
    """Scales the ``loss_weight`` of named loss modules by a factor that
    moves from ``start_factor`` to ``end_factor`` between two iterations.

    Why: CPSC's generator loss mixes adversarial terms (find images the
    student gets wrong) with a class-conditional one (``eta * CE(t, y)``:
    the teacher must see class y). A fixed mix keeps the synthetic images
    hard but often not of their conditioning class, so the pseudo labels of
    the contrast and of the student's CE point at a class the teacher does
    not see. A schedule can be adversarial early and class-faithful late,
    e.g. ``eta`` ramped up over the run (configs/cpsc/README.md, MNIST
    conditioning variants). It works on any loss module with a float
    ``loss_weight`` (ours and MMRazor's), so baselines can be scheduled too.

    The weight at iteration ``i`` is ``w0 * f(p)`` where ``w0`` is the
    configured weight, ``p = clip((i - begin) / (end - begin), 0, 1)`` and
    ``f`` goes from ``start_factor`` to ``end_factor`` linearly or along a
    half cosine. It depends on the iteration alone, so a resumed run gets
    the same weights as an uninterrupted one. The current weights are logged
    as ``train/<name>_weight`` (``name`` defaults to the path's first and
    last parts, e.g. ``generator_distiller.loss_ce``).

    Args:
        schedules (Sequence[dict]): one dict per loss with keys ``loss``
            (attribute path in the algorithm, e.g.
            ``'generator_distiller.distill_losses.loss_ce'``),
            ``end_factor`` (required), ``start_factor`` (default 1.0),
            ``begin`` (default 0), ``end`` (default: the last iteration),
            ``by_fraction`` (default False; True: ``begin`` and ``end`` are
            fractions of the run's iterations, so the schedule keeps its
            shape when a tool changes ``train_cfg.max_iters``), ``curve`` ('linear' or 'cosine', default 'linear') and ``name``
            (the log key).
    """
    priority = 'NORMAL'
    CURVES = ('linear', 'cosine')
    KEYS = ('loss', 'start_factor', 'end_factor', 'begin', 'end',
            'by_fraction', 'curve', 'name')

    def __init__(self, schedules: Sequence[Dict]) -> None:
        if not schedules:
            raise ValueError('LossWeightScheduleHook: schedules is empty; '
                             'give one dict(loss=..., end_factor=...) per '
                             'loss whose weight should change.')
        self.schedules: List[Dict] = []
        for schedule in schedules:
            unknown = sorted(set(schedule) - set(self.KEYS))
            if unknown or 'loss' not in schedule \
                    or 'end_factor' not in schedule:
                raise ValueError(
                    f'LossWeightScheduleHook: {schedule!r} needs the keys '
                    f"'loss' and 'end_factor' and may have {self.KEYS[1:]}"
                    + (f'; unknown: {unknown}' if unknown else '') + '.')
            path = schedule['loss'].split('.')
            entry = dict(start_factor=1.0, begin=0, end=None,
                         by_fraction=False, curve='linear',
                         name=f'{path[0]}.{path[-1]}')
            entry.update(schedule)
            if entry['curve'] not in self.CURVES:
                raise ValueError(
                    f"LossWeightScheduleHook: curve must be one of "
                    f"{self.CURVES}, got {entry['curve']!r}.")
            if entry['by_fraction'] and not (
                    0 <= entry['begin'] <= (entry['end'] or 1) <= 1):
                raise ValueError(
                    f"LossWeightScheduleHook: {entry['loss']}: with "
                    'by_fraction=True, begin and end are fractions of the '
                    f"run, 0 <= begin < end <= 1; got begin={entry['begin']}"
                    f", end={entry['end']}.")
            if entry['end'] is not None and entry['end'] <= entry['begin']:
                raise ValueError(
                    f"LossWeightScheduleHook: {entry['loss']}: end "
                    f"({entry['end']}) must be after begin "
                    f"({entry['begin']}).")
            self.schedules.append(entry)
        self._losses: List = []
        self._base_weights: List[float] = []
        self._max_iters: Optional[int] = None

    def before_run(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        self._losses, self._base_weights = [], []
        for entry in self.schedules:
            try:
                loss = model.get_submodule(entry['loss'])
            except AttributeError:
                raise ValueError(
                    f"LossWeightScheduleHook: the model has no loss "
                    f"{entry['loss']!r}. Loss paths look like "
                    "'generator_distiller.distill_losses.loss_ce' (the "
                    "distiller's attribute, then distill_losses, then the "
                    'loss name in the config).') from None
            weight = getattr(loss, 'loss_weight', None)
            if isinstance(weight, bool) or not isinstance(weight,
                                                          (int, float)):
                raise ValueError(
                    f"LossWeightScheduleHook: {entry['loss']} "
                    f'({type(loss).__name__}) has no float loss_weight to '
                    f'schedule (found {weight!r}).')
            self._losses.append(loss)
            self._base_weights.append(float(weight))
        self._max_iters = getattr(runner, 'max_iters', None)
        print_log(
            'LossWeightScheduleHook: ' + '; '.join(
                f"{e['loss']} x {e['start_factor']} -> {e['end_factor']}"
                for e in self.schedules), logger='current')

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch=None) -> None:
        for entry, loss, base in zip(self.schedules, self._losses,
                                     self._base_weights):
            loss.loss_weight = base * self.factor(entry, runner.iter)
            runner.message_hub.update_scalar(f"train/{entry['name']}_weight",
                                             loss.loss_weight)

    def factor(self, entry: Dict, iteration: int) -> float:
        """The factor of ``entry``'s weight at (0-based) ``iteration``."""
        begin, end = entry['begin'], entry['end']
        if entry['by_fraction'] or end is None:
            if self._max_iters is None:
                raise ValueError(
                    f"LossWeightScheduleHook: {entry['loss']}: the runner "
                    'has no max_iters to place the schedule in; give begin '
                    'and end in iterations.')
            if entry['by_fraction']:
                begin = begin * self._max_iters
                end = (1.0 if end is None else end) * self._max_iters
            else:
                end = self._max_iters
        if end <= begin:  # a run shorter than the schedule's start
            return entry['start_factor'] if iteration < begin \
                else entry['end_factor']
        progress = min(max((iteration - begin) / (end - begin), 0.0), 1.0)
        if entry['curve'] == 'cosine':
            progress = (1 - math.cos(math.pi * progress)) / 2
        return entry['start_factor'] + (
            entry['end_factor'] - entry['start_factor']) * progress
