"""Record how a run's validation metrics evolve in iterations and wall time."""
from __future__ import annotations

import json
import os
import os.path as osp
import resource
import statistics
import time
from typing import Dict, List, Optional

from mmengine.dist import master_only
from mmengine.hooks import Hook
from mmrazor.registry import HOOKS


@HOOKS.register_module()
class MetricTimelineHook(Hook):
    """Write a run's accuracy-over-time timeline for benchmarks.

    After every validation and at the end of the run, rank 0 rewrites
    ``work_dir/<out_file>`` (JSON) with::

        {"points": [{"iter": 200, "wall_s": 181.3,
                     "metrics": {"accuracy/top1": 97.6}}, ...],
         "train_wall_s": 903.1,      # before_train -> after_train
         "s_per_iter": 0.89,         # median iteration time
         "iter_times_s": [...],      # every iteration's time
         "peak_rss_mb": 812.0}       # this process's peak resident memory

    ``wall_s`` counts from the start of training, validations included, so
    curves of different methods compare at equal wall time. An iteration's
    time runs from the end of the previous one to the end of this one: data
    loading, every hook and ``train_step``, i.e. what a user waits for. Their
    median leaves out the few iterations that also validate or checkpoint;
    ``tools/benchmark.py`` sets it against a bare PyTorch loop.

    Args:
        out_file (str): file name inside the work dir.
            Defaults to 'timeline.json'.
    """

    priority = 'VERY_LOW'

    def __init__(self, out_file: str = 'timeline.json') -> None:
        self.out_file = out_file
        self._train_start: Optional[float] = None
        self._train_end: Optional[float] = None
        self._last_iter_end = 0.0
        self.iter_times: List[float] = []
        self.points: List[Dict] = []

    def before_train(self, runner) -> None:
        self._train_start = self._last_iter_end = time.perf_counter()

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        now = time.perf_counter()
        self.iter_times.append(now - self._last_iter_end)
        self._last_iter_end = now

    def after_val_epoch(self, runner, metrics: Optional[Dict] = None) -> None:
        if self._train_start is None:  # a stand-alone validation
            return
        self.points.append(
            dict(iter=runner.iter,
                 wall_s=time.perf_counter() - self._train_start,
                 metrics={k: float(v) for k, v in (metrics or {}).items()}))
        self._write(runner)

    def after_train(self, runner) -> None:
        if self._train_start is not None:
            self._train_end = time.perf_counter()
        self._write(runner)

    @master_only
    def _write(self, runner) -> None:
        end = self._train_end or time.perf_counter()
        record = dict(
            points=self.points,
            train_wall_s=end - (self._train_start or end),
            s_per_iter=(statistics.median(self.iter_times)
                        if self.iter_times else None),
            iter_times_s=self.iter_times,
            # ru_maxrss is in KiB on Linux.
            peak_rss_mb=resource.getrusage(
                resource.RUSAGE_SELF).ru_maxrss / 1024)
        path = osp.join(runner.work_dir, self.out_file)
        with open(path + '.tmp', 'w') as f:
            json.dump(record, f)
        # Atomic replace: a reader never sees a half-written file.
        os.replace(path + '.tmp', path)
