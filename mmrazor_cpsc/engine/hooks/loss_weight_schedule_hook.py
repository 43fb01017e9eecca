"""Change named loss weights over the training iterations."""
from __future__ import annotations

import math
from numbers import Real
from typing import Dict, List, Optional, Sequence

from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmrazor.registry import HOOKS

from ...utils.model_wrappers import unwrap_model


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
    e.g. ``eta`` ramped up over the run (research/mnist_log.md, MNIST
    conditioning variants). It works on any loss module with a float
    ``loss_weight`` (ours and MMRazor's), so baselines can be scheduled too.

    The weight at iteration ``i`` (0-based) is ``w0 * f(p)``: ``w0`` the
    configured weight, ``p = clip((i - begin) / (end - begin), 0, 1)`` and
    ``f`` going from ``start_factor`` to ``end_factor`` linearly or along a
    half cosine. It depends on the iteration alone, so a resumed run gets
    the same weights as an uninterrupted one. Each weight is logged as it
    is (not smoothed) under ``<name>_weight``.

    Args:
        schedules (Sequence[dict]): one dict per loss with keys ``loss``
            (attribute path in the algorithm, e.g.
            ``'generator_distiller.distill_losses.loss_ce'``),
            ``end_factor`` (required), ``start_factor`` (default 1.0),
            ``begin`` and ``end`` (iterations; default 0 and the last
            iteration of the run, which trains with ``end_factor``),
            ``by_fraction`` (default False; True: ``begin`` and ``end`` are
            fractions of the run, 0 the first and 1 the last iteration, so
            the schedule keeps its shape when a tool changes
            ``train_cfg.max_iters``), ``curve`` ('linear' or 'cosine',
            default 'linear') and ``name`` (the log key; default the path's
            first and last parts, e.g. ``generator_distiller.loss_ce``).
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
        self.schedules: List[Dict] = [self._checked(s) for s in schedules]
        for key in ('loss', 'name'):
            values = [s[key] for s in self.schedules]
            repeated = sorted({v for v in values if values.count(v) > 1})
            if repeated:
                raise ValueError(
                    f'LossWeightScheduleHook: more than one schedule with '
                    f'{key} {repeated}; one schedule per loss'
                    + (', or set distinct names.' if key == 'name' else '.'))
        self._losses: List = []
        self._base_weights: List[float] = []
        self._max_iters: Optional[int] = None

    def _checked(self, schedule: Dict) -> Dict:
        """The schedule with its defaults, or a ValueError naming what is
        wrong with it (at build time, not at the first iteration)."""
        unknown = sorted(set(schedule) - set(self.KEYS))
        if unknown or 'loss' not in schedule or 'end_factor' not in schedule:
            raise ValueError(
                f'LossWeightScheduleHook: {schedule!r} needs the keys '
                f"'loss' and 'end_factor' and may have {self.KEYS[1:]}"
                + (f'; unknown: {unknown}' if unknown else '') + '.')
        path = str(schedule['loss']).split('.')
        entry = dict(start_factor=1.0, begin=0, end=None, by_fraction=False,
                     curve='linear', name=f'{path[0]}.{path[-1]}')
        entry.update(schedule)
        where = f"LossWeightScheduleHook: {entry['loss']}:"
        for key in ('start_factor', 'end_factor', 'begin', 'end'):
            value = entry[key]
            if not (value is None and key == 'end') and (
                    isinstance(value, bool) or not isinstance(value, Real)):
                raise ValueError(f'{where} {key} must be a number, got '
                                 f'{value!r}.')
        if entry['curve'] not in self.CURVES:
            raise ValueError(f'{where} curve must be one of {self.CURVES}, '
                             f"got {entry['curve']!r}.")
        begin, end = entry['begin'], entry['end']
        if entry['by_fraction']:
            if not 0 <= begin < (1 if end is None else end) <= 1:
                raise ValueError(
                    f'{where} with by_fraction=True, begin and end are '
                    'fractions of the run, 0 <= begin < end <= 1; got '
                    f'begin={begin}, end={end}.')
        else:
            for key in ('begin', 'end'):
                if entry[key] is not None and (
                        entry[key] < 0 or entry[key] != int(entry[key])):
                    raise ValueError(
                        f'{where} {key}={entry[key]} is not an iteration; '
                        'for a fraction of the run set by_fraction=True.')
            if end is not None and end <= begin:
                raise ValueError(f'{where} end ({end}) must be after begin '
                                 f'({begin}).')
        return entry

    def before_run(self, runner) -> None:
        model = unwrap_model(runner.model)
        losses = []
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
            if isinstance(weight, bool) or not isinstance(weight, Real):
                raise ValueError(
                    f"LossWeightScheduleHook: {entry['loss']} "
                    f'({type(loss).__name__}) has no float loss_weight to '
                    f'schedule (found {weight!r}).')
            losses.append(loss)
        # The configured weights, read once: a second run of the same model
        # must not start from weights this hook already scaled.
        if [id(m) for m in losses] != [id(m) for m in self._losses]:
            self._losses = losses
            self._base_weights = [float(m.loss_weight) for m in losses]
        self._max_iters = getattr(runner, 'max_iters', None) or None
        # mmengine's logger averages any key with 'loss' in it over its
        # window; a schedule is read as it is.
        log_processor = getattr(runner, 'log_processor', None)
        if log_processor is not None:
            logged = {c.get('data_src') for c in log_processor.custom_cfg}
            log_processor.custom_cfg.extend(
                dict(data_src=f"{e['name']}_weight", method_name='current')
                for e in self.schedules if f"{e['name']}_weight" not in logged)
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
            last = self._max_iters - 1
            if entry['by_fraction']:
                begin = begin * last
                end = (1.0 if end is None else end) * last
            else:
                end = last
        if end <= begin:  # a run too short for the schedule: a step
            return entry['start_factor'] if iteration < begin \
                else entry['end_factor']
        progress = min(max((iteration - begin) / (end - begin), 0.0), 1.0)
        if entry['curve'] == 'cosine':
            progress = (1 - math.cos(math.pi * progress)) / 2
        return entry['start_factor'] + (
            entry['end_factor'] - entry['start_factor']) * progress
