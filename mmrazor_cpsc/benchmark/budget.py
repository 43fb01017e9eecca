"""A benchmark's budget: minutes -> iterations, and session end times.

A ``--minutes`` budget becomes a number of iterations per method from a
short timed run of that method (its calibration), so every method's
learning-rate schedule completes inside the same wall time. ``--stop-by``
starts no run or trial that would end after a given time of day.
"""
import argparse
import datetime
import os
import os.path as osp
import shutil
import statistics
import time
from typing import TYPE_CHECKING, Dict, List, Optional, Tuple

from .runs import (method_options, prepare_config, run_training,
                   save_runs)

if TYPE_CHECKING:
    from mmengine.config import Config


def stop_time(text: str) -> datetime.datetime:
    """--stop-by HH:MM as the next such local time (today, or tomorrow when
    it has passed)."""
    try:
        clock = datetime.datetime.strptime(text, '%H:%M').time()
    except ValueError:
        raise argparse.ArgumentTypeError(
            f'{text!r} is not a time of day as HH:MM (e.g. 17:30)') from None
    now = datetime.datetime.now()
    when = datetime.datetime.combine(now.date(), clock)
    if when <= now:
        when += datetime.timedelta(days=1)
    if when - now > datetime.timedelta(hours=20):
        # Most likely a time that has just passed, not one tomorrow.
        raise argparse.ArgumentTypeError(
            f'{text} is {(when - now).total_seconds() / 3600:.1f} h away '
            '(it has passed today); give a time within the next 20 hours.')
    return when


def fits_before(stop_by: Optional[datetime.datetime], need_s: float) -> bool:
    """Whether a job of ``need_s`` seconds started now ends by ``stop_by``
    (always, without a stop time)."""
    if stop_by is None:
        return True
    return (datetime.datetime.now()
            + datetime.timedelta(seconds=need_s)) <= stop_by


# Test-set evaluation, per-class metrics and the generator grid after a
# run's training; a few minutes on the CIFAR-10 pair on 2 cores.
AFTER_RUN_S = 180.0


def expected_run_s(name: str, run_walls: Dict[str, float],
                   minutes: Optional[float]) -> float:
    """What the next run of NAME will take, for --stop-by: its method's last
    run when there is one, else the longest run of any method so far, else
    (a --minutes budget) 1.25 x the budget for start-up and validation;
    plus the evaluation after training. An --iters benchmark that has not
    finished a run yet cannot know, and guesses only the evaluation."""
    if name in run_walls:
        training = run_walls[name]
    elif run_walls:
        training = max(run_walls.values())
    else:
        training = 1.25 * minutes * 60 if minutes else 0.0
    return training + AFTER_RUN_S


def trial_fits(stop_by: Optional[datetime.datetime], minutes: float,
               spent_s: List[float]) -> bool:
    """Whether a trial started now ends before ``stop_by``. A trial takes
    its training minutes plus calibration, start-up and validation: the
    longest such trial of this command so far, and at least a guess of
    1.25 x its minutes + 2 min (the next method's may cost more than any so
    far)."""
    return fits_before(stop_by, max([1.25 * minutes * 60 + 120, *spent_s]))


def head_start_iters(cfg: 'Config') -> int:
    """The iterations in which CFG's student is not updated yet: the
    generator head start of CPSC's algorithm or of a
    ``GeneratorHeadStartHook`` (whichever is longer)."""
    from ..engine.hooks import GeneratorHeadStartHook
    starts = [cfg.model.get('student_start_iter', 0) or 0]
    for hook in cfg.get('custom_hooks', None) or []:
        if str(hook.get('type', '')).split('.')[-1] == \
                GeneratorHeadStartHook.__name__:
            settings = {k: v for k, v in hook.items() if k != 'type'}
            starts.append(
                GeneratorHeadStartHook(**settings).student_start_iter)
    return max(starts)


def iterations_in(minutes: float, label: str, config: str, options: Dict,
                  teacher_ckpt: str, calibration_iters: int, batch_size: int,
                  seed: int, work_dir: str) -> Tuple[int, float]:
    """(iterations that fit in MINUTES, median s/iter) from a short timed
    run of CONFIG with OPTIONS through tools/train.py.

    A config with a generator head start (CPSC's
    ``model.student_start_iter``, or a ``GeneratorHeadStartHook`` for any
    other algorithm) is timed after it: its first iterations skip the
    student's update and are cheaper, and timing them would buy it more
    iterations than the budget holds. The head start then runs inside the
    budget (the run ends early by what the skipped student steps would have
    cost).
    """
    cfg, _ = prepare_config(config, options, teacher_ckpt, 1, batch_size, 1,
                            seed, work_dir)
    skip = head_start_iters(cfg)
    _, path = prepare_config(config, options, teacher_ckpt,
                             skip + calibration_iters, batch_size, 1, seed,
                             work_dir)
    timeline = run_training(label, path, work_dir)
    # The first iterations warm up allocators and caches.
    times = timeline['iter_times_s'][skip:]
    steady = times[2:] or times
    s_per_iter = statistics.median(steady)
    return max(1, int(minutes * 60 / s_per_iter)), s_per_iter


def iterations_within(seconds: float, config: str, teacher_ckpt: str,
                      work_dir: str, lowest: int, highest: int,
                      batch_size: int = 256) -> int:
    """Training iterations of CONFIG that fit in SECONDS on this machine,
    kept within LOWEST..HIGHEST: a short timed run (the timing's own cost
    is taken from SECONDS), then the division. When even LOWEST does not
    fit, says by how much the run will overrun."""
    os.makedirs(work_dir, exist_ok=True)
    start = time.time()
    _, s_per_iter = iterations_in(1, 'timing', config, {}, teacher_ckpt, 6,
                                  batch_size, 0, work_dir)
    fit = int((seconds - (time.time() - start)) / s_per_iter)
    if fit < lowest:
        print(f'This machine takes {s_per_iter:.2f} s per iteration: '
              f'{lowest} iterations (the least) end about '
              f'{(lowest - fit) * s_per_iter / 60:.1f} min past the budget.',
              flush=True)
    return max(lowest, min(highest, fit))


def calibrate(args: argparse.Namespace, names: List[str], teacher_ckpt: str,
              out: str) -> Dict[str, int]:
    """Iterations per method that fit in ``args.minutes`` on this machine:
    each method of ``args.configs`` (named NAMES) timed in turn for
    ``args.calibration_iters`` iterations, in OUT/calibration/NAME."""
    iters = {}
    for name, config in zip(names, args.configs):
        print(f'benchmark: timing {name} ({args.calibration_iters} '
              'iterations)', flush=True)
        iters[name], s_per_iter = iterations_in(
            args.minutes, f'{name} calibration', config,
            method_options(args, name), teacher_ckpt, args.calibration_iters,
            args.batch_size, 0, osp.join(out, 'calibration', name))
        print(f'benchmark: {name}: {s_per_iter:.3f} s/iter -> {iters[name]} '
              f'iterations in {args.minutes:g} min', flush=True)
    return iters


def recalibrate(args: argparse.Namespace, name: str, names: List[str],
                iters: Dict[str, int], runs: List[Dict], pairs: List[Dict],
                recalibrated: Dict, teacher_ckpt: str,
                out: str) -> Tuple[List[Dict], List[Dict]]:
    """Time NAME again and give it the iterations that fit the budget now;
    its runs at the first count are moved to OUT/runs_first_timing/ and
    dropped from the results (so they run again), and RECALIBRATED records
    both counts and why, for the report."""
    if name not in names:
        raise SystemExit(f'benchmark: --recalibrate {name}: no such method '
                         f'(methods: {", ".join(names)}).')
    config = args.configs[names.index(name)]
    first = iters[name]
    ran = [r['s_per_iter'] for r in runs if r['method'] == name]
    print(f'benchmark: timing {name} again ({args.calibration_iters} '
          'iterations)', flush=True)
    iters[name], s_per_iter = iterations_in(
        args.minutes, f'{name} recalibration', config,
        method_options(args, name), teacher_ckpt, args.calibration_iters,
        args.batch_size, 0, osp.join(out, 'calibration', f'{name}_again'))
    why = (f'its first timing gave {args.minutes * 60 / first:.3f} s/iter'
           + (f', its runs ran at {statistics.median(ran):.3f}' if ran
              else '')
           + f'; timed again alone over {args.calibration_iters} iterations '
           f'at {s_per_iter:.3f} s/iter, and every seed ran with the new '
           'count')
    recalibrated[name] = dict(first=recalibrated.get(name, {}).get(
        'first', first), now=iters[name], why=why)
    old = osp.join(out, 'runs', name)
    if osp.isdir(old):
        aside = osp.join(out, 'runs_first_timing', name)
        shutil.rmtree(aside, ignore_errors=True)
        os.makedirs(osp.dirname(aside), exist_ok=True)
        shutil.move(old, aside)
    runs = [r for r in runs if r['method'] != name]
    save_runs(out, runs)
    print(f'benchmark: {name}: {first} -> {iters[name]} iterations; '
          'its seeds run again', flush=True)
    return runs, [p for p in pairs if p['method'] != name]
