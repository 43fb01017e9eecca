"""Where the CPU time of a data-free iteration goes, part by part.

    python .dev_scripts/profile_iteration.py CONFIG --teacher-ckpt T.pth
        [--iters 8] [--warmup 2] [--batch-size 256] [--out FILE.json]
        [--cfg-options k=v ...]

Trains CONFIG in this process through the Runner (its hooks: autocast,
channels-last) for ``--warmup + --iters`` iterations with the student
updated from the first iteration (no head start, so every timed iteration
is a full one), and times:

* the generator step and the student step (CPSC's ``generator_step`` /
  ``student_step``; MMRazor's ``train_generator`` / ``train_student``),
* inside them, the forward passes of the generator, the teacher and the
  student (forward hooks; CPU execution is synchronous, so wall time is the
  time spent),
* the rest of each step: losses, backward passes and optimiser updates.

Prints seconds per iteration for each part (median over the timed
iterations) and its share of the iteration; ``--out`` writes them as JSON.
Run it alone on the machine: two heavy jobs on 2 cores slow each 5-7x.
"""
from __future__ import annotations

import argparse
import json
import os.path as osp
import statistics
import tempfile
import time
from collections import defaultdict
from typing import Dict, List, Optional

from mmengine.hooks import Hook

from mmrazor_cpsc.benchmark.report import machine
from mmrazor_cpsc.benchmark.runs import prepare_config

STEPS = {'generator': ('generator_step', 'train_generator'),
         'student': ('student_step', 'train_student')}
NETWORKS = ('generator', 'teacher', 'student')


class PartTimer(Hook):
    """Times the steps and the networks' forward passes of each iteration."""

    priority = 'VERY_LOW'

    def __init__(self, warmup: int) -> None:
        self.warmup = warmup
        self.current: Dict[str, float] = defaultdict(float)
        self.iterations: List[Dict[str, float]] = []
        self._started = 0.0
        self.step = 'other'

    def before_train(self, runner) -> None:
        algorithm = runner.model
        for part, names in STEPS.items():
            for name in names:
                if hasattr(algorithm, name):
                    setattr(algorithm, name,
                            self._timed(getattr(algorithm, name), part))
        teachers = getattr(algorithm, 'teachers', None)
        modules = dict(generator=algorithm.generator,
                       student=algorithm.architecture,
                       teacher=(list(teachers.values())[0]
                                if teachers else algorithm.teacher))
        for name, module in modules.items():
            module.register_forward_pre_hook(
                lambda *_, n=name: self._start(n))
            module.register_forward_hook(lambda *_, n=name: self._stop(n))

    def _timed(self, method, part):
        def timed(*args, **kwargs):
            start, self.step = time.perf_counter(), part
            try:
                return method(*args, **kwargs)
            finally:
                self.current[f'{part} step'] += time.perf_counter() - start
                self.step = 'other'
        return timed

    def _start(self, name: str) -> None:
        self.current[f'_{name}'] = time.perf_counter()

    def _stop(self, name: str) -> None:
        self.current[f'{self.step}: {name} forward'] += (
            time.perf_counter() - self.current.pop(f'_{name}'))

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        self.current = defaultdict(float)
        self._started = time.perf_counter()

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        self.current['iteration'] = time.perf_counter() - self._started
        if runner.iter >= self.warmup:
            self.iterations.append(dict(self.current))


def main(argv: Optional[List[str]] = None) -> Dict[str, float]:
    """Profile and print; returns the median seconds per part."""
    from mmengine.config import DictAction
    from mmengine.runner import Runner
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('--teacher-ckpt', required=True)
    parser.add_argument('--iters', type=int, default=8)
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--batch-size', type=int, default=256)
    parser.add_argument('--out')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        default={})
    args = parser.parse_args(argv)
    if args.iters < 1 or args.warmup < 0:
        parser.error('--iters must be >= 1 and --warmup >= 0.')
    with tempfile.TemporaryDirectory() as work_dir:
        cfg, _ = prepare_config(args.config, dict(args.cfg_options),
                                osp.abspath(args.teacher_ckpt),
                                args.warmup + args.iters, args.batch_size,
                                1, 0, work_dir)
        if 'student_start_iter' in cfg.model:
            cfg.model.student_start_iter = 0
        cfg.custom_hooks = [
            h for h in cfg.get('custom_hooks', [])
            if h.get('type') not in ('GeneratorHeadStartHook',
                                     'TeacherAccuracyHook')]
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
        cfg.train_cfg.val_interval = 10**9
        timer = PartTimer(args.warmup)
        runner = Runner.from_cfg(cfg)
        runner.register_hook(timer)
        runner.train()
    parts = sorted({k for it in timer.iterations for k in it})
    median = {k: statistics.median(it.get(k, 0.0) for it in timer.iterations)
              for k in parts}
    rows = dict(median)
    for step in STEPS:
        # What the step spends outside the three forward passes.
        rows[f'{step}: losses, backward, update'] = statistics.median(
            it.get(f'{step} step', 0.0) - sum(
                it.get(f'{step}: {n} forward', 0.0) for n in NETWORKS)
            for it in timer.iterations)
    total = median['iteration']
    print(f'{args.config}, batch {args.batch_size}, median of '
          f'{len(timer.iterations)} iterations, {machine()}')
    for key in sorted(rows, key=lambda k: -rows[k]):
        print(f'  {key:<22} {rows[key]:7.3f} s  {100 * rows[key] / total:5.1f} %')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(dict(config=args.config, batch_size=args.batch_size,
                           iterations=len(timer.iterations),
                           machine=machine(), seconds_per_iteration=rows,
                           per_iteration=timer.iterations), f, indent=1)
    return rows


if __name__ == '__main__':
    main()
