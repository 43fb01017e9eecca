"""Benchmark data-free distillation methods at one budget, through the Runner.

    python tools/benchmark.py --minutes 10 --seeds 3 --out work_dirs/bench
    python tools/benchmark.py --iters 600 --seeds 3 --out work_dirs/bench \
        --teacher-ckpt work_dirs/demo/teacher/epoch_4.pth
    python tools/benchmark.py --suite cifar10 --minutes 30 --seeds 2 \
        --out work_dirs/bench_cifar10 --tuned work_dirs/tune_cifar10/tuning.json
    python tools/benchmark.py --report-only --out work_dirs/bench

Every method of the suite (CPSC and MMRazor's DAFL, DFAD and ZSKT; ``mnist``:
the LeNet-5-BN -> LeNet-5-half pair, ``cifar10``: WRN-16-2 -> WRN-16-1) is
trained by ``tools/train.py`` with the same teacher checkpoint, batch size
and budget, once per seed, and validated ``--val-points`` times on the
config's validation set (the curve; for cifar10 a held-out slice of the
training images). The final checkpoint of every run is then evaluated once
on the config's test set: that is the reported accuracy, and nothing is
chosen on it. ``--tuned FILE`` applies each method's own tuned options
(written by tools/tune.py), starting at the seed after the tuning's so no
reported run is a run the tuning selected; ``--tuned-as METHOD`` gives every
config without tuned options of its own METHOD's (variants of one tuned
method, each named with ``--names``). ``--iters N`` gives every method N iterations; ``--minutes M`` gives every method M minutes of training: a short
calibration run per method measures its seconds per iteration, and the method
gets as many iterations as fit (so its learning-rate schedule still completes).

A bare PyTorch loop doing exactly the CPSC math on the same models and batch
(tools/bare_cpsc_loop.py) is timed right before each CPSC run; the framework
overhead is CPSC's median seconds per iteration divided by the bare loop's
(each pair measured back to back, so slow drifts in machine load cancel).
Runs go seed-major (every method's seed 0 first), and ``--resume --out DIR``
continues an interrupted benchmark with its calibration and finished runs
(``--stop-by HH:MM`` starts no run that would end after that time;
``--only NAME ...`` trains only those methods' missing runs, e.g. more seeds
of the finalists among variants; neither goes into the recorded command);
``--import-runs FILE`` does the same from a collected benchmark
(docs/results/*.json) when DIR is lost, if the settings and the teacher's
weight hash match.

Writes to --out:
  results.json   one object per (method, seed): top1_test (last
                 checkpoint, test set), top1_final, top1_best (validation, %),
                 wall_s, s_per_iter, peak_rss_mb, iters, curve
  results.md     mean +- std over seeds, the overhead ratio, command, machine
  curves.png     top-1 against iterations and against wall time
  runs/METHOD/seedK/generator_grid.png  for a class-conditional generator
                 (CPSC's): its last checkpoint's images, one row per class
  overhead.json  the bare-loop timings, the ratio and the per-seed ratios
  runs/METHOD/seedK/  each run's config, log, checkpoints and timeline.json
  benchmark.json the command and budget (for --report-only)
  references.json  the teacher's test top-1 and, where the suite names one,
                 the student trained on the real data with the teacher's
                 recipe (the upper bound a data-free student aims at)
Without --teacher-ckpt the suite's teacher is trained first (tools/train.py;
cifar10: about 35 minutes on 2 CPU cores), after preparing its data.
results.json, overhead.json and benchmark.json are written as the run goes,
so ``--report-only --out DIR`` rewrites results.md and curves.png from the
runs that finished, e.g. after an interrupted benchmark.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import os.path as osp
import platform
import re
import shlex
import statistics
import subprocess
import sys
import threading
import time
from typing import Dict, List, Optional, Tuple

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
# What each suite runs: its method configs, the teacher config trained when no
# --teacher-ckpt is given (after the data tool), and the real-data student.
SUITES = {
    'mnist': dict(
        configs=[
            'configs/cpsc/cpsc_lenet5bn_lenet5half_mnist.py',
            'configs/baselines/dafl_lenet5bn_lenet5half_mnist.py',
            'configs/baselines/dfad_lenet5bn_lenet5half_mnist.py',
            'configs/baselines/zskt_lenet5bn_lenet5half_mnist.py',
        ],
        prepare=['tools/prepare_mnist.py', '--root', 'data/mnist'],
        teacher='configs/teachers/lenet5_bn_mnist.py',
        student=None),
    'cifar10': dict(
        configs=[
            'configs/cpsc/cpsc_wrn16-2_wrn16-1_cifar10.py',
            # The paper's CPSC beside our default (issue: the table shows
            # both).
            'configs/cpsc/cpsc-paper_wrn16-2_wrn16-1_cifar10.py',
            'configs/baselines/dafl_wrn16-2_wrn16-1_cifar10.py',
            'configs/baselines/dfad_wrn16-2_wrn16-1_cifar10.py',
            'configs/baselines/zskt_wrn16-2_wrn16-1_cifar10.py',
        ],
        prepare=['tools/prepare_cifar10.py', '--root', 'data/cifar10'],
        teacher='configs/teachers/wrn16_2_cifar10.py',
        student='configs/students/wrn16_1_cifar10.py'),
}
DEFAULT_CONFIGS = SUITES['mnist']['configs']
METRIC = 'accuracy/top1'
# What tools/test.py --per-class reports (mmrazor_cpsc.utils.cli).
PER_CLASS_METRIC = 'single-label/recall_classwise'
CPSC_TYPE = 'CPSCDataFreeDistillation'


def refuse_other_data_without_teacher(parser: argparse.ArgumentParser,
                                      args: argparse.Namespace,
                                      tool: str) -> None:
    """--cfg-options that move the data (dataloaders, normalisation) with
    no --teacher-ckpt: the tool would train the suite's own teacher on the
    suite's data and distil that. Refused, naming the options."""
    moved = sorted(k for k in args.cfg_options
                   if k.split('.')[0].endswith('_dataloader')
                   or k.startswith('model.data_preprocessor'))
    if moved and not args.teacher_ckpt and not args.report_only:
        suite = f"{args.suite} suite's" if getattr(args, 'suite', None) \
            else "suite's"
        parser.error(
            f'--cfg-options change the data ({", ".join(moved)}), but without '
            f'--teacher-ckpt {tool} trains the {suite} own teacher on its '
            'own data and distils that. Pass --teacher-ckpt of a teacher of '
            'your data.')


def parse_args(argv=None) -> argparse.Namespace:
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument('--suite', choices=sorted(SUITES), default='mnist',
                        help='pair, data and default configs (default: '
                        '%(default)s)')
    parser.add_argument('--configs', nargs='+', default=None,
                        help="method configs (default: the suite's CPSC, "
                        'DAFL, DFAD and ZSKT)')
    parser.add_argument('--tuned', default=None,
                        help='JSON of per-method options, {"METHOD": '
                        '{"key": value}} (tools/tune.py writes it)')
    parser.add_argument('--tuned-as', default=None, metavar='METHOD',
                        help='with --tuned: give every config without tuned '
                        "options of its own METHOD's (variants of one tuned "
                        'method, e.g. CPSC with one change each)')
    parser.add_argument('--names', nargs='+', default=None,
                        help='method names, one per config (default: the '
                        "config file's first word, upper-cased)")
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument('--iters', type=int, help='iterations per run')
    budget.add_argument('--minutes', type=float,
                        help='minutes of training per run')
    parser.add_argument('--seeds', type=int, default=1,
                        help='runs per method, seeds K..K+N-1 (K: '
                        '--first-seed)')
    parser.add_argument('--first-seed', type=int, default=None,
                        help='first seed (default: 0, or with --tuned the '
                        "one after the tuning's seed, so no reported run "
                        'is a run the tuning selected)')
    parser.add_argument('--out', required=True, help='output directory')
    parser.add_argument('--teacher-ckpt', default=None,
                        help='teacher checkpoint for every method (default: '
                        'train the MNIST teacher into OUT/teacher)')
    parser.add_argument('--batch-size', type=int, default=256)
    parser.add_argument('--val-points', type=int, default=5,
                        help='validations per run (the accuracy curve)')
    parser.add_argument('--calibration-iters', type=int, default=20,
                        help='iterations timed per method for --minutes')
    parser.add_argument('--bare-iters', type=int, default=20,
                        help='timed iterations of the bare PyTorch loop '
                        '(0 skips it)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        default={}, help='overrides applied to every config')
    parser.add_argument('--resume', action='store_true',
                        help='continue the benchmark in OUT: keep its '
                        'calibration and finished runs, run the rest')
    parser.add_argument('--recalibrate', nargs='+', default=[],
                        metavar='METHOD',
                        help='with --resume and --minutes: time METHOD again '
                        '(alone, --calibration-iters iterations) and rerun '
                        'its seeds with the new iteration count; its runs at '
                        'the first count are set aside (runs_first_timing/) '
                        'and the report says so')
    parser.add_argument('--import-runs', default=None, metavar='FILE',
                        help='start OUT from the finished runs of a '
                        'collected benchmark (docs/results/*.json) with the '
                        'same settings and teacher weights; only the '
                        'missing runs train')
    parser.add_argument('--only', nargs='+', default=None, metavar='NAME',
                        help='with --resume: train only the missing runs of '
                        'these methods (e.g. more seeds of the finalists of '
                        'a variants benchmark); the others keep the runs '
                        'they have')
    parser.add_argument('--stop-by', default=None, metavar='HH:MM',
                        type=stop_time,
                        help='start no run that would not finish by this '
                        'local time (e.g. the end of a session); the same '
                        'command with --resume continues where it stopped')
    parser.add_argument('--report-only', action='store_true',
                        help='train nothing: rewrite results.md and '
                        'curves.png from OUT/results.json')
    args = parser.parse_args(argv)
    if args.report_only:
        return args
    args.configs = args.configs or SUITES[args.suite]['configs']
    if args.iters is None and args.minutes is None:
        parser.error('one of --iters or --minutes is required (or '
                     '--report-only to rewrite the report of OUT).')
    if args.names and len(args.names) != len(args.configs):
        parser.error(f'--names has {len(args.names)} entries for '
                     f'{len(args.configs)} configs.')
    for value, flag in ((args.iters, '--iters'), (args.minutes, '--minutes'),
                        (args.seeds, '--seeds'),
                        (args.val_points, '--val-points'),
                        (args.batch_size, '--batch-size')):
        if value is not None and value <= 0:
            parser.error(f'{flag} must be positive, got {value}.')
    missing = [c for c in args.configs if not osp.isfile(_abs(c))]
    if missing:
        parser.error(f'config file(s) not found: {", ".join(missing)}')
    if args.teacher_ckpt and not osp.isfile(args.teacher_ckpt):
        parser.error(f'--teacher-ckpt {args.teacher_ckpt}: no such file.')
    if args.import_runs and args.resume:
        parser.error('--import-runs starts a new OUT, --resume continues one: '
                     'pass one of them.')
    if args.recalibrate and not (args.resume and args.minutes):
        parser.error('--recalibrate re-times methods of a --minutes '
                     'benchmark being continued: pass --resume and the '
                     "benchmark's --minutes.")
    if args.import_runs and not osp.isfile(args.import_runs):
        parser.error(f'--import-runs {args.import_runs}: no such file.')
    refuse_other_data_without_teacher(parser, args, 'the benchmark')
    args.tuned_options = {}
    if args.tuned:
        if not osp.isfile(args.tuned):
            parser.error(f'--tuned {args.tuned}: no such file.')
        try:
            with open(args.tuned) as f:
                tuned = json.load(f)
        except json.JSONDecodeError as err:
            parser.error(f'--tuned {args.tuned} is not JSON: {err}')
        if 'best_options' not in tuned or tuned.get('suite') != args.suite:
            parser.error(f'--tuned {args.tuned} is not a tools/tune.py result '
                         f"for the {args.suite} suite (its suite: "
                         f"{tuned.get('suite')}).")
        args.tuned_options = tuned['best_options']
        # Every trial ran with the tuning's seed: the winner's run at that
        # seed is the one selected, so the report uses other seeds.
        tuning_seed = tuned.get('seed')
        if args.first_seed is None and tuning_seed is not None:
            args.first_seed = tuning_seed + 1
        if (tuning_seed is not None and args.first_seed <= tuning_seed
                < args.first_seed + args.seeds):
            parser.error(
                f'--tuned {args.tuned} ran every trial with seed '
                f'{tuning_seed}, one of the seeds asked for '
                f'({args.first_seed}..{args.first_seed + args.seeds - 1}): '
                'the tuned methods would be reported on the very runs the '
                f'tuning picked. Use --first-seed {tuning_seed + 1} (the '
                'default with --tuned).')
        names = args.names or [method_name(c) for c in args.configs]
        if args.tuned_as:
            if args.tuned_as not in args.tuned_options:
                parser.error(f'--tuned-as {args.tuned_as}: --tuned '
                             f'{args.tuned} has options for '
                             f'{", ".join(sorted(args.tuned_options))}.')
            from mmengine.config import Config
            source = tuned.get('methods', {}).get(args.tuned_as, {})
            source_type = (Config.fromfile(_abs(source['config'])).model.type
                           if 'config' in source else None)
            for name, config in zip(names, args.configs):
                if name in args.tuned_options:
                    continue  # a tuned method keeps its own options
                config_type = Config.fromfile(_abs(config)).model.get('type')
                if source_type and config_type != source_type:
                    parser.error(
                        f"--tuned-as {args.tuned_as}: {name} ({config}) is "
                        f"a {config_type}, {args.tuned_as} a {source_type}; "
                        "its tuned options would not fit.")
                args.tuned_options[name] = args.tuned_options[args.tuned_as]
        untuned = sorted(set(names) - set(args.tuned_options))
        if untuned:
            parser.error(f'--tuned {args.tuned} has no options for '
                         f'{", ".join(untuned)}: every method of a comparison '
                         'is tuned with the same budget, or none is (variants '
                         'of one tuned method: --tuned-as METHOD).')
    elif args.tuned_as:
        parser.error('--tuned-as needs --tuned FILE.')
    if args.only:
        if not args.resume:
            parser.error('--only continues a benchmark for some of its '
                         'methods: pass --resume and the --out it ran in.')
        names = args.names or [method_name(c) for c in args.configs]
        unknown = sorted(set(args.only) - set(names))
        if unknown:
            parser.error(f'--only {" ".join(unknown)}: not a method of this '
                         f'benchmark (its methods: {", ".join(names)}).')
    if args.first_seed is None:
        args.first_seed = 0
    if args.first_seed < 0:
        parser.error(f'--first-seed must be >= 0, got {args.first_seed}.')
    return args


def _abs(path: str) -> str:
    return path if osp.isabs(path) else osp.join(REPO, path)


def method_name(config: str) -> str:
    return osp.basename(config).split('_')[0].upper()


def prepare_config(config: str, options: Dict, teacher_ckpt: str, iters: int,
                   batch_size: int, val_points: int, seed: int,
                   work_dir: str):
    """The method's config at the benchmark's budget, dumped to work_dir."""
    from mmengine.config import Config
    from mmrazor_cpsc.utils.config_checks import \
        find_parse_time_knob_overrides
    cfg = Config.fromfile(_abs(config))
    knobs = find_parse_time_knob_overrides(cfg.to_dict(), options)
    if knobs:
        raise SystemExit('benchmark: ' + ' '.join(knobs))
    cfg.merge_from_dict(options)
    if 'teachers' in cfg.model:  # MMRazor's data-free algorithms
        for teacher in cfg.model.teachers.values():
            teacher.ckpt_path = teacher_ckpt
    else:
        cfg.model.teacher_ckpt = teacher_ckpt
    cfg.train_cfg.max_iters = iters
    cfg.train_cfg.val_interval = max(1, iters // val_points)
    cfg.train_dataloader.batch_size = batch_size
    cfg.randomness = dict(seed=seed, diff_rank_seed=True)
    cfg.work_dir = work_dir
    # One checkpoint at the end; best and curve come from the timeline.
    cfg.default_hooks.checkpoint.update(interval=iters, save_best=None,
                                        max_keep_ckpts=1)
    cfg.default_hooks.logger.interval = max(1, min(50, iters // 20))
    # Pictures are not part of the method: no grid hook in timed runs.
    hooks = [h for h in cfg.get('custom_hooks', [])
             if h['type'] not in ('SyntheticGridHook', 'MetricTimelineHook')]
    cfg.custom_hooks = hooks + [dict(type='MetricTimelineHook')]
    os.makedirs(work_dir, exist_ok=True)
    path = osp.join(work_dir, 'config.py')
    cfg.dump(path)
    return cfg, path


class Progress:
    """Prints which run is going and its ETA while a training log grows."""

    ITER = re.compile(r'Iter\(train\) \[\s*(\d+)/(\d+)\].*?eta: (\S+)')

    def __init__(self, label: str, log: str, interval: float = 30.0) -> None:
        self.label, self.log, self.interval = label, log, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                with open(self.log) as f:
                    matches = self.ITER.findall(f.read())
            except OSError:
                continue
            if matches:
                it, total, eta = matches[-1]
                print(f'  {self.label}: iteration {it}/{total}, this run '
                      f'ends in {eta}', flush=True)


def run_training(label: str, config_path: str, work_dir: str) -> Dict:
    """tools/train.py on a dumped config; returns its timeline."""
    log = osp.join(work_dir, 'train.log')
    cmd = [sys.executable, osp.join(REPO, 'tools', 'train.py'), config_path,
           '--work-dir', work_dir]
    start = time.time()
    with open(log, 'w') as out, Progress(label, log):
        result = subprocess.run(cmd, cwd=REPO, stdout=out,
                                stderr=subprocess.STDOUT)
    if result.returncode != 0:
        raise SystemExit(f'benchmark: {label} failed (exit code '
                         f'{result.returncode}); see {log}')
    with open(osp.join(work_dir, 'timeline.json')) as f:
        timeline = json.load(f)
    timeline['process_wall_s'] = time.time() - start
    return timeline


def summarise_run(method: str, seed: int, iters: int, timeline: Dict,
                  top1_test: float) -> Dict:
    points = [p for p in timeline['points'] if METRIC in p['metrics']]
    if not points:
        raise SystemExit(f'benchmark: {method} seed {seed} logged no '
                         f'{METRIC}; is the validation set configured?')
    top1 = [p['metrics'][METRIC] for p in points]
    return dict(
        method=method, seed=seed, iters=iters, top1_test=top1_test,
        top1_final=top1[-1], top1_best=max(top1),
        wall_s=timeline['train_wall_s'],
        process_wall_s=timeline['process_wall_s'],
        s_per_iter=timeline['s_per_iter'],
        peak_rss_mb=timeline['peak_rss_mb'],
        curve=[dict(iter=p['iter'], wall_s=p['wall_s'], top1=t)
               for p, t in zip(points, top1)])


def latest_scalars(run_dir: str) -> List[Dict]:
    """The mmengine scalar log of the latest start of the run in RUN_DIR
    (``RUN_DIR/<timestamp>/vis_data/scalars.json``); [] when there is none."""
    import glob
    found = sorted(glob.glob(osp.join(run_dir, '*', 'vis_data',
                                      'scalars.json')))
    if not found:
        return []
    with open(found[-1]) as f:
        return [json.loads(line) for line in f if line.strip()]


def agreement_last_fifth(scalars: List[Dict]) -> Optional[float]:
    """Mean ``gen.teacher_agreement`` (the share of synthetic images the
    teacher classifies as their conditioning label) over the last fifth of
    a run's iterations (the last logged value for a short run); None for a
    method that does not log it."""
    train = [r for r in scalars if 'gen.teacher_agreement' in r]
    if not train:
        return None
    iters = max(r['iter'] for r in train)
    last_fifth = [r['gen.teacher_agreement'] for r in train
                  if r['iter'] > 0.8 * iters] or [
                      train[-1]['gen.teacher_agreement']]
    return sum(last_fifth) / len(last_fifth)


def per_run_markdown(runs: List[Dict]) -> List[str]:
    """One row per run: how far its last validation point is below its
    best (the last checkpoint is the one shipped, so a falling curve costs
    accuracy) and, for conditional generators, the teacher's agreement with
    the conditioning labels over the last fifth."""
    lines = ['', 'Per run (validation final - best: what shipping the last '
             'checkpoint costs against the best validation point):', '',
             '| method | seed | top-1 test | validation final | validation '
             'best | final - best | teacher agreement, last fifth |',
             '|---|---|---|---|---|---|---|']
    for run in runs:
        agreement = run.get('teacher_agreement_last_fifth')
        lines.append(
            f"| {run['method']} | {run['seed']} | "
            + (f"{run['top1_test']:.2f}" if 'top1_test' in run else '-')
            + f" | {run['top1_final']:.2f} | {run['top1_best']:.2f} | "
            # + 0.0: no '-0.00' for a run whose last point is its best.
            f"{round(run['top1_final'] - run['top1_best'], 2) + 0.0:.2f} | "
            + (f'{100 * agreement:.1f} %' if agreement is not None else '-')
            + ' |')
    return lines


def mean_std(values: List[float]) -> str:
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return f'{statistics.mean(values):.2f} ± {std:.2f}'


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


# Flags that say which share of the work one session did, with how many
# values each takes (-1: every value up to the next option).
SESSION_FLAGS = {'--resume': 0, '--stop-by': 1, '--only': -1}


def recorded_command(tool: str, argv: List[str]) -> str:
    """The command line a results file records: what reproduces the results
    in a fresh OUT, so without ``--resume``, ``--stop-by HH:MM`` and
    ``--only NAME ...`` (which share of the work one session did, not what
    was computed)."""
    kept: List[str] = []
    values_left = 0  # of a dropped flag: a count, or -1 for 'up to the next'
    for arg in argv:
        if values_left and not arg.startswith('--'):
            values_left -= values_left > 0
            continue
        flag, has_value = arg.split('=', 1)[0], '=' in arg
        values_left = 0
        if flag in SESSION_FLAGS:
            values_left = 0 if has_value else SESSION_FLAGS[flag]
        else:
            kept.append(arg)
    return f'python tools/{tool}.py ' + ' '.join(
        shlex.quote(a) for a in kept)


def pending_jobs(jobs: List[Tuple[str, str, int]], runs: List[Dict],
                 only: Optional[List[str]] = None
                 ) -> List[Tuple[str, str, int]]:
    """The (method, config, seed) JOBS without a finished run in RUNS,
    of the methods in ONLY when given, in seed-major order (every method's
    first seed, then every second one, ...) so that a benchmark cut off
    by a session's end still compares all methods."""
    done = {(run['method'], run['seed']) for run in runs}
    return sorted((job for job in jobs if (job[0], job[2]) not in done
                   and (not only or job[0] in only)),
                  key=lambda job: job[2])


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


def machine() -> str:
    import torch
    cpu = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo') as f:
            names = [line.split(':', 1)[1].strip() for line in f
                     if line.startswith('model name')]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    return (f'{os.cpu_count()} CPU cores ({cpu}), torch {torch.__version__}, '
            f'{torch.get_num_threads()} threads, Python '
            f'{platform.python_version()}')


def results_markdown(runs: List[Dict], overhead: Optional[Dict],
                     command: str, budget: str,
                     reference: Optional[Dict] = None,
                     machine_text: Optional[str] = None) -> str:
    """The report of a benchmark as markdown, from its recorded data only
    (tools/results_tables.py renders the README's tables with it)."""
    methods = list(dict.fromkeys(r['method'] for r in runs))
    lines = [
        f'Budget per run: {budget}. Mean ± std over seeds. "top-1 test": '
        "the run's last checkpoint on the real test set; \"validation\": "
        "the config's validation set over the run (final and best), the only "
        'set anything is chosen on.', '',
        '| method | seeds | top-1 test | validation final | validation best '
        '| iterations | train wall (s) | s/iter (median) | peak RSS (MB) |',
        '|---|---|---|---|---|---|---|---|---|'
    ]
    for method in methods:
        rows = [r for r in runs if r['method'] == method]
        test = [r['top1_test'] for r in rows if 'top1_test' in r]
        lines.append(
            f'| {method} | {len(rows)} | '
            f"{mean_std(test) if len(test) == len(rows) else '-'} | "
            f"{mean_std([r['top1_final'] for r in rows])} | "
            f"{mean_std([r['top1_best'] for r in rows])} | "
            f"{statistics.mean(r['iters'] for r in rows):.0f} | "
            f"{mean_std([r['wall_s'] for r in rows])} | "
            f"{statistics.median(r['s_per_iter'] for r in rows):.3f} | "
            f"{max(r['peak_rss_mb'] for r in rows):.0f} |")
    if reference:
        lines += ['', 'References on the same test set: teacher '
                  f"{reference['teacher_top1_test']:.2f}"
                  + (', student trained on the real data '
                     f"{reference['real_data_student_top1_test']:.2f}"
                     if 'real_data_student_top1_test' in reference else '')
                  + '.']
    lines += per_class_markdown(runs, reference)
    lines += per_run_markdown(runs)
    if overhead:
        lines += [
            '', f"Framework overhead: {overhead['method']} through the Runner "
            f"{overhead['framework_s_per_iter']:.3f} s/iter, bare PyTorch loop "
            f"{overhead['bare_s_per_iter']:.3f} s/iter (median of "
            f"{overhead['bare_iters']}, timed before each run): ratio "
            f"**{overhead['ratio']:.3f}**"
            + (' (per seed: ' + ', '.join(
                f'{r:.3f}' for r in overhead['pair_ratios']) + ').'
               if overhead.get('pair_ratios') else '.')
        ]
    machine_text = machine_text or machine()
    lines += ['', f'Command: `{command}`', '', f'Machine: {machine_text}']
    # Runs continued elsewhere (--resume, --import-runs) record their own.
    others = {}
    for run in runs:
        if run.get('machine', machine_text) != machine_text:
            others.setdefault(run['machine'], []).append(
                f"{run['method']} seed {run['seed']}")
    lines += [f"Runs on another machine: {', '.join(names)} on {other}."
              for other, names in others.items()]
    return '\n'.join(lines + [''])


def per_class_markdown(runs: List[Dict],
                       reference: Optional[Dict]) -> List[str]:
    """Each class's test accuracy, teacher beside every method (mean over
    seeds), and the class each method loses most against the teacher."""
    if not (reference and 'teacher_per_class_test' in reference
            and all('per_class_test' in r for r in runs)):
        return []
    teacher = reference['teacher_per_class_test']
    classes = reference.get('classes') or [str(i) for i in range(len(teacher))]
    methods = list(dict.fromkeys(r['method'] for r in runs))
    means = {
        m: [statistics.mean(r['per_class_test'][c] for r in runs
                            if r['method'] == m) for c in range(len(teacher))]
        for m in methods
    }
    lines = ['', 'Per class on the test set (the last checkpoint, mean over '
             'seeds):', '', '| class | teacher | ' + ' | '.join(methods) + ' |',
             '|---|---|' + '---|' * len(methods)]
    for c, name in enumerate(classes):
        lines.append(f'| {name} | {teacher[c]:.1f} | ' + ' | '.join(
            f'{means[m][c]:.1f}' for m in methods) + ' |')
    worst = []
    for m in methods:
        c = max(range(len(teacher)), key=lambda i: teacher[i] - means[m][i])
        worst.append(f'{m} on **{classes[c]}** ({means[m][c]:.1f} vs '
                     f'{teacher[c]:.1f}, {means[m][c] - teacher[c]:+.1f} '
                     'points)')
    lines += ['', 'The class each method loses most against the teacher: '
              + '; '.join(worst) + '.']
    return lines


def curve_label(method: str, rows: List[Dict]) -> str:
    """METHOD with the number of its runs the curve averages: methods of
    a benchmark in progress have different numbers of seeds, and seeds need
    not start at 0."""
    seeds = len({r['seed'] for r in rows})
    return f'{method} ({seeds} seed{"s" if seeds != 1 else ""})'


def plot_curves(path: str, runs: List[Dict]) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, (by_iter, by_time) = plt.subplots(1, 2, figsize=(11, 4.2))
    for method in dict.fromkeys(r['method'] for r in runs):
        rows = [r for r in runs if r['method'] == method]
        length = min(len(r['curve']) for r in rows)
        mean = lambda key: [  # noqa: E731
            statistics.mean(r['curve'][i][key] for r in rows)
            for i in range(length)
        ]
        top1 = mean('top1')
        label = curve_label(method, rows)
        line, = by_iter.plot(mean('iter'), top1, marker='o', label=label)
        by_time.plot([t / 60 for t in mean('wall_s')], top1, marker='o',
                     color=line.get_color(), label=label)
    for ax, xlabel in ((by_iter, 'iteration'),
                       (by_time, 'training wall time (min)')):
        ax.set_xlabel(xlabel)
        ax.set_ylabel('top-1 on the validation set (%)')
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle("mean over each method's seeds")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(out: str, runs: List[Dict], overhead: Optional[Dict],
                 command: str, budget: str,
                 reference: Optional[Dict] = None,
                 machine_text: Optional[str] = None) -> None:
    with open(osp.join(out, 'results.md'), 'w') as f:
        f.write(results_markdown(runs, overhead, command, budget, reference,
                                 machine_text))
    plot_curves(osp.join(out, 'curves.png'), runs)


def _read_json(path: str, default=None):
    if not osp.isfile(path):
        return default
    with open(path) as f:
        return json.load(f)


def report_only(out: str) -> None:
    """results.md and curves.png from the runs recorded in OUT."""
    runs = _read_json(osp.join(out, 'results.json'), [])
    if not runs:
        raise SystemExit(f'benchmark: no finished run in {out}/results.json; '
                         'nothing to report (run the benchmark first).')
    info = _read_json(osp.join(out, 'benchmark.json'),
                      dict(command='unknown (no benchmark.json)',
                           budget='see the iterations column'))
    write_report(out, runs, _read_json(osp.join(out, 'overhead.json')),
                 info['command'], info['budget'],
                 _read_json(osp.join(out, 'references.json')),
                 info.get('machine'))
    print(f'benchmark: {len(runs)} runs reported in {out}/results.md and '
          'curves.png', flush=True)


def train_classifier(out: str, suite: str, role: str) -> str:
    """The suite's teacher or real-data student, trained into OUT/ROLE;
    returns its final checkpoint. A finished training is kept (a second
    benchmark in OUT reuses it); an interrupted one is resumed, never used
    half-trained (mmengine moves ``last_checkpoint`` after every epoch, so
    only the ``finished`` marker written here says the run completed)."""
    work_dir = osp.join(out, role)
    pointer = osp.join(work_dir, 'last_checkpoint')
    finished = osp.join(work_dir, 'finished')
    config = SUITES[suite][role]
    if not osp.isfile(finished):
        run_step([sys.executable, *SUITES[suite]['prepare']],
                 f'preparing the {suite} data')
        resume = osp.isfile(pointer)
        print(f"benchmark: {'resuming' if resume else 'training'} the "
              f'{suite} {role} ({config}) in {work_dir}', flush=True)
        log = osp.join(out, f'{role}_train.log')
        run_step([sys.executable, osp.join(REPO, 'tools', 'train.py'), config,
                  '--work-dir', work_dir] + (['--resume'] if resume else []),
                 f'training the {role}', log)
        os.makedirs(work_dir, exist_ok=True)
        with open(finished, 'w') as f:
            f.write('training finished\n')
    with open(pointer) as f:
        return f.read().strip()


def run_step(cmd: List[str], what: str, log: Optional[str] = None) -> None:
    """Run a tool; on failure stop with what failed and where its output is,
    not a traceback of this script."""
    if log is None:
        result = subprocess.run(cmd, cwd=REPO)
    else:
        with open(log, 'a') as out:
            result = subprocess.run(cmd, cwd=REPO, stdout=out,
                                    stderr=subprocess.STDOUT)
    if result.returncode != 0:
        raise SystemExit(f'benchmark: {what} failed (exit code '
                         f'{result.returncode})'
                         + (f'; see {log}' if log else '') + '.')


def evaluate_on_test_set(config_path: str, checkpoint: str, work_dir: str,
                         options: Optional[List[str]] = None) -> Dict:
    """tools/test.py --per-class: top-1 (%) of CHECKPOINT on the config's
    test set (``top1``), the accuracy of every class (``per_class``, class
    order) and the class names (``classes``)."""
    metrics_path = osp.join(work_dir, 'test_metrics.json')
    cmd = [sys.executable, osp.join(REPO, 'tools', 'test.py'), config_path,
           checkpoint, '--work-dir', osp.join(work_dir, 'test'),
           '--out-metrics', metrics_path, '--per-class']
    if options:
        cmd += ['--cfg-options', *options]
    with open(osp.join(work_dir, 'test.log'), 'w') as log:
        result = subprocess.run(cmd, cwd=REPO, stdout=log,
                                stderr=subprocess.STDOUT)
    if result.returncode != 0:
        raise SystemExit(f'benchmark: testing {checkpoint} failed; see '
                         f'{work_dir}/test.log')
    with open(metrics_path) as f:
        metrics = json.load(f)
    return dict(top1=metrics[METRIC], per_class=metrics[PER_CLASS_METRIC],
                classes=metrics['classes'])


def draw_generator_grid(config_path: str, checkpoint: str, work_dir: str,
                        out: str) -> Optional[str]:
    """tools/visualize_generator.py on a run's last checkpoint: one row of
    synthetic images per class, with the teacher's agreement printed in
    WORK_DIR/grid.log; returns the picture's path relative to OUT, or None
    (with a warning) when the drawing fails, which must not cost the run.
    Only for class-conditional generators (CPSC's), whose rows mean
    something."""
    path = osp.join(work_dir, 'generator_grid.png')
    log = osp.join(work_dir, 'grid.log')
    cmd = [sys.executable, osp.join(REPO, 'tools', 'visualize_generator.py'),
           config_path, checkpoint, '--out', path]
    with open(log, 'w') as f:
        result = subprocess.run(cmd, cwd=REPO, stdout=f,
                                stderr=subprocess.STDOUT)
    if result.returncode != 0:
        print(f'benchmark: warning: drawing the generator of {checkpoint} '
              f'failed (see {log}); the run is kept without its grid.',
              flush=True)
        return None
    return osp.relpath(path, out)


def save_runs(out: str, runs: List[Dict]) -> None:
    with open(osp.join(out, 'results.json'), 'w') as f:
        json.dump(runs, f, indent=1)


def data_options(options: Dict) -> List[str]:
    """The --cfg-options that name the evaluation data, as key=value
    arguments for the teacher's and the real-data student's configs."""
    return [f'{k}={v}' for k, v in options.items()
            if k.startswith(('val_dataloader.', 'test_dataloader.'))]


def references(out: str, suite: str, teacher_ckpt: str,
               options: Dict) -> Dict:
    """Test top-1 of the teacher and (where the suite has one) of the student
    trained on the real data: what the data-free students are measured
    against."""
    path = osp.join(out, 'references.json')
    found = _read_json(path, {})
    # References from before per-class reporting are measured again.
    if (found.get('teacher_ckpt') == teacher_ckpt
            and 'teacher_per_class_test' in found):
        return found
    work_dir = osp.join(out, 'references')
    os.makedirs(work_dir, exist_ok=True)
    found = dict(teacher_ckpt=teacher_ckpt)
    os.makedirs(osp.join(work_dir, 'teacher'), exist_ok=True)
    teacher = evaluate_on_test_set(
        _abs(SUITES[suite]['teacher']), teacher_ckpt,
        osp.join(work_dir, 'teacher'), data_options(options))
    found.update(teacher_top1_test=teacher['top1'],
                 teacher_per_class_test=teacher['per_class'],
                 classes=teacher['classes'])
    if SUITES[suite]['student']:
        student_ckpt = train_classifier(out, suite, 'student')
        os.makedirs(osp.join(work_dir, 'student'), exist_ok=True)
        found['real_data_student_top1_test'] = evaluate_on_test_set(
            _abs(SUITES[suite]['student']), student_ckpt,
            osp.join(work_dir, 'student'), data_options(options))['top1']
    with open(path, 'w') as f:
        json.dump(found, f, indent=1)
    return found


def time_bare_loop(config_path: str, teacher_ckpt: str, iters: int,
                   batch_size: int, out_json: str) -> Dict:
    cmd = [sys.executable, osp.join(REPO, 'tools', 'bare_cpsc_loop.py'),
           config_path, '--teacher-ckpt', teacher_ckpt, '--iters', str(iters),
           '--batch-size', str(batch_size), '--out', out_json]
    subprocess.run(cmd, cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    with open(out_json) as f:
        return json.load(f)


def uses_cpu_autocast(cfg) -> bool:
    return any(isinstance(w, dict)
               and w.get('type') == 'CPUAutocastOptimWrapper'
               for w in cfg.optim_wrapper.values())


def bare_loop_models(name: str, cfg) -> bool:
    """Whether tools/bare_cpsc_loop.py computes what CFG computes (then its
    timing is the overhead reference); says why not for a CPSC config."""
    if cfg.model.get('type') != CPSC_TYPE:
        return False
    from bare_cpsc_loop import unmodelled
    problems = unmodelled(cfg) + (['bfloat16 autocast'] if uses_cpu_autocast(
        cfg) else [])
    if problems:
        print(f'benchmark: no bare-loop reference for {name}: the loop does '
              f"not model {'; '.join(problems)}", flush=True)
    return not problems


def method_options(args, name: str) -> Dict:
    """The options for one method: its tuned ones, then --cfg-options."""
    return {**args.tuned_options.get(name, {}), **dict(args.cfg_options)}


def head_start_iters(cfg) -> int:
    """The iterations in which CFG's student is not updated yet: the
    generator head start of CPSC's algorithm or of a
    ``GeneratorHeadStartHook`` (whichever is longer)."""
    from mmrazor_cpsc.engine.hooks import GeneratorHeadStartHook
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


def calibrate(args, names: List[str], teacher_ckpt: str,
              out: str) -> Dict[str, int]:
    """Iterations per method that fit in ``args.minutes`` on this machine."""
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


def recalibrate(args, name: str, names: List[str], iters: Dict[str, int],
                runs: List[Dict], pairs: List[Dict], recalibrated: Dict,
                teacher_ckpt: str, out: str) -> Tuple[List[Dict], List[Dict]]:
    """Time NAME again and give it the iterations that fit the budget now;
    its runs at the first count are moved to OUT/runs_first_timing/ and
    dropped from the results (so they run again), and RECALIBRATED records
    both counts and why, for the report."""
    import shutil
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


def overhead_summary(method: str, pairs: List[Dict]) -> Dict:
    """The framework/bare ratio from (bare, Runner) timings taken back to back.

    Each pair is the bare loop timed right before one seed's Runner run, so a
    change in machine load between seeds shifts both sides of that pair.
    """
    bare = statistics.median(p['bare_s_per_iter'] for p in pairs)
    framework = statistics.median(p['framework_s_per_iter'] for p in pairs)
    return dict(method=method, pairs=pairs, bare_s_per_iter=bare,
                bare_iters=sum(p['bare_iters'] for p in pairs),
                framework_s_per_iter=framework, ratio=framework / bare,
                pair_ratios=[p['framework_s_per_iter'] / p['bare_s_per_iter']
                             for p in pairs])


def _settings(args, names: List[str], teacher_ckpt: str) -> Dict:
    """What must not change between a benchmark and its --resume."""
    return dict(configs=list(args.configs), names=names,
                minutes=args.minutes, iters=args.iters,
                batch_size=args.batch_size, val_points=args.val_points,
                cfg_options=dict(args.cfg_options),
                tuned_options=args.tuned_options, teacher_ckpt=teacher_ckpt)


def added_methods(before: Dict, now: Dict) -> List[str]:
    """The methods NOW appends to the end of BEFORE's --configs/--names,
    when that is the only difference between the two settings (else [])."""
    count = len(before['names'])
    added = now['names'][count:]
    same_otherwise = all(before.get(k) == v for k, v in now.items()
                         if k not in ('configs', 'names', 'tuned_options'))
    # --tuned-as gives every method it names the tuned options, so the
    # appended methods bring their own entries; the kept ones must not move.
    tuned_before = before.get('tuned_options') or {}
    tuned_now = now.get('tuned_options') or {}
    tuned_kept = all(tuned_now.get(k) == v for k, v in tuned_before.items())
    tuned_new_only_added = set(tuned_now) - set(tuned_before) <= set(added)
    if (not same_otherwise or not tuned_kept or not tuned_new_only_added
            or len(now['names']) <= count
            or now['names'][:count] != before['names']
            or now['configs'][:count] != before['configs']):
        return []
    return added


def resumed_budget(info: Dict, settings: Dict, fixed_iters: Optional[int],
                   argv_now: List[str], out: str
                   ) -> Tuple[Dict[str, int], str, List[str]]:
    """Iterations per method, the command to report and the appended
    methods of a benchmark continued with --resume (its benchmark.json is
    INFO); refused when anything but appended methods changed."""
    changed = sorted(k for k, v in settings.items()
                     if info['settings'].get(k) != v)
    added = added_methods(info['settings'], settings)
    if changed and not added:
        raise SystemExit(
            f'benchmark: --resume with other settings than the run in '
            f'{out} ({", ".join(changed)} differ); use the same options '
            'or a new --out.')
    if added and not fixed_iters:
        raise SystemExit(
            f'benchmark: --resume cannot append {", ".join(added)} to the '
            f'timed benchmark in {out}: they would be timed in another '
            'machine state than the methods beside them. Methods may be '
            'appended only to a fixed --iters budget; use a new --out.')
    if not added:
        return info['iters'], info['command'], []
    # A fixed iteration budget does not depend on which methods run beside
    # it, so the kept runs stay comparable with the new ones. The report's
    # command is the one that reproduces them all in a fresh --out.
    iters = dict(info['iters'], **{name: fixed_iters for name in added})
    return iters, recorded_command('benchmark', argv_now), added


def import_runs(path: str, settings: Dict, teacher_sha256: str,
                out: str) -> Dict:
    """The finished runs, calibration and references of a collected
    benchmark (tools/results_tables.py collect-benchmark), refused unless it
    ran with these settings and a teacher of the same weights: a benchmark
    whose OUT is lost (a new machine) continues where its committed file
    stopped, and its runs stay comparable (same iterations, same teacher)."""
    bundle = _read_json(path)
    if not isinstance(bundle, dict) or 'runs' not in bundle:
        raise SystemExit(f'benchmark: --import-runs {path} is not a '
                         'collected benchmark (tools/results_tables.py '
                         'collect-benchmark writes one).')
    if 'settings' not in bundle or 'teacher_sha256' not in bundle:
        raise SystemExit(f'benchmark: --import-runs {path} records no '
                         'settings or teacher hash (collected before '
                         '2026-12-01), so nothing shows its runs are '
                         'comparable with new ones; run the benchmark afresh.')
    ours = {k: v for k, v in settings.items() if k != 'teacher_ckpt'}
    changed = sorted(k for k in set(ours) | set(bundle['settings'])
                     if bundle['settings'].get(k) != ours.get(k))
    if changed:
        raise SystemExit(f'benchmark: --import-runs {path} ran with other '
                         f'settings ({", ".join(changed)} differ); use the '
                         'same options or run the benchmark afresh.')
    if bundle['teacher_sha256'] != teacher_sha256:
        raise SystemExit(
            f"benchmark: --import-runs {path} distilled a teacher with "
            f"weights {bundle['teacher_sha256']}, this teacher's are "
            f'{teacher_sha256} (a retrained teacher differs unless its '
            'training is bit-for-bit reproducible here); pass that teacher '
            'with --teacher-ckpt or run the benchmark afresh.')
    references = dict(bundle.get('references') or {},
                      teacher_ckpt=settings['teacher_ckpt'])
    with open(osp.join(out, 'references.json'), 'w') as f:
        json.dump(references, f, indent=1)
    print(f"benchmark: imported {len(bundle['runs'])} finished runs from "
          f'{path}', flush=True)
    return bundle


def main(argv=None) -> None:
    args = parse_args(argv)
    out = osp.abspath(args.out)
    if args.report_only:
        report_only(out)
        return
    os.makedirs(out, exist_ok=True)
    argv_now = list(sys.argv[1:] if argv is None else argv)
    command = recorded_command('benchmark', argv_now)
    teacher_ckpt = osp.abspath(args.teacher_ckpt
                               or train_classifier(out, args.suite, 'teacher'))
    names = args.names or [method_name(c) for c in args.configs]
    if len(set(names)) != len(names):
        raise SystemExit(f'benchmark: method names collide ({names}); pass '
                         '--names.')
    machine_text = machine()
    settings = _settings(args, names, teacher_ckpt)
    info_path = osp.join(out, 'benchmark.json')
    runs: List[Dict] = []
    pairs: List[Dict] = []
    from mmrazor_cpsc.utils.checkpoint import weights_sha256
    teacher_sha256 = weights_sha256(teacher_ckpt)
    if args.import_runs:
        bundle = import_runs(args.import_runs, settings, teacher_sha256, out)
        iters, budget = bundle['iters'], bundle['budget']
        command = bundle['command']
        runs = bundle['runs']
        pairs = (bundle.get('overhead') or {}).get('pairs', [])
        save_runs(out, runs)
        if bundle.get('overhead'):  # so a later --resume here keeps it
            with open(osp.join(out, 'overhead.json'), 'w') as f:
                json.dump(bundle['overhead'], f, indent=1)
    elif args.resume:
        info = _read_json(info_path)
        if info is None or 'settings' not in info:
            raise SystemExit(f'benchmark: --resume found no benchmark.json '
                             f'with settings in {out}; start it without '
                             '--resume.')
        iters, command, added = resumed_budget(info, settings, args.iters,
                                               argv_now, out)
        budget = info['budget']
        if added:
            print(f'benchmark: appending {", ".join(added)} to {out}',
                  flush=True)
        runs = _read_json(osp.join(out, 'results.json'), [])
        pairs = (_read_json(osp.join(out, 'overhead.json')) or {}).get(
            'pairs', [])
        recalibrated = info.get('recalibrated', {})
        for name in args.recalibrate:
            runs, pairs = recalibrate(args, name, names, iters, runs, pairs,
                                      recalibrated, teacher_ckpt, out)
        print(f'benchmark: resuming {out}: {len(runs)} finished runs kept',
              flush=True)
    else:
        if args.minutes:
            iters = calibrate(args, names, teacher_ckpt, out)
            budget = f'{args.minutes:g} minutes of training'
        else:
            iters = {name: args.iters for name in names}
            budget = f'{args.iters} iterations'
        budget += f', batch {args.batch_size}'
    reference = references(out, args.suite, teacher_ckpt, args.cfg_options)
    info = dict(command=command, budget=budget, iters=iters,
                settings=settings, teacher_sha256=teacher_sha256,
                machine=machine_text)
    if args.resume and recalibrated:
        info['recalibrated'] = recalibrated
    with open(info_path, 'w') as f:
        json.dump(info, f, indent=1)

    jobs = [(n, c, s)
            for s in range(args.first_seed, args.first_seed + args.seeds)
            for n, c in zip(names, args.configs)]
    todo = pending_jobs(jobs, runs, args.only)
    # Wall time of each method's latest run, for the ETA; a resumed benchmark
    # knows it from the runs it kept.
    run_walls: Dict[str, float] = {
        r['method']: r['process_wall_s'] for r in runs if 'process_wall_s' in r
    }
    start = time.time()
    overhead = overhead_summary(pairs[0]['method'], pairs) if pairs else None
    for index, (name, config, seed) in enumerate(todo):
        need_s = expected_run_s(name, run_walls, args.minutes)
        if not fits_before(args.stop_by, need_s):
            print(f'benchmark: stopping before {name} seed {seed}, which '
                  f'would not end by {args.stop_by:%H:%M} (about '
                  f'{need_s / 60:.0f} min); {len(runs)} of {len(jobs)} runs '
                  'done. The same command with --resume continues from here.',
                  flush=True)
            break
        known = [run_walls.get(n) for n, _, _ in todo[index:]]
        eta = ('unknown until each method has run once' if None in known
               else f'{sum(known) / 60:.1f} min')
        print(f'benchmark: [{len(runs) + 1}/{len(jobs)}] {name} seed {seed}, '
              f'{iters[name]} iterations; benchmark ETA {eta}', flush=True)
        work_dir = osp.join(out, 'runs', name, f'seed{seed}')
        cfg, path = prepare_config(config, method_options(args, name),
                                   teacher_ckpt,
                                   iters[name], args.batch_size,
                                   args.val_points, seed, work_dir)
        # The bare loop models float32 CPSC with fixed losses only: a bf16
        # config or a variant would be timed against different arithmetic.
        is_reference = (args.bare_iters > 0
                        and (not pairs or pairs[0]['method'] == name)
                        and bare_loop_models(name, cfg))
        if is_reference:
            print(f'benchmark: timing the bare PyTorch loop of {name} before '
                  'this run', flush=True)
            bare = time_bare_loop(path, teacher_ckpt, args.bare_iters,
                                  args.batch_size,
                                  osp.join(work_dir, 'bare_loop.json'))
        timeline = run_training(f'{name} seed {seed}', path, work_dir)
        run_walls[name] = timeline['process_wall_s']
        # The last checkpoint is the one reported: chosen by nothing.
        last_checkpoint = osp.join(work_dir, f'iter_{iters[name]}.pth')
        test = evaluate_on_test_set(path, last_checkpoint, work_dir)
        run = summarise_run(name, seed, iters[name], timeline, test['top1'])
        run['per_class_test'] = test['per_class']
        run['machine'] = machine_text
        agreement = agreement_last_fifth(latest_scalars(work_dir))
        if agreement is not None:
            run['teacher_agreement_last_fifth'] = agreement
        runs.append(run)
        print(f'benchmark: {name} seed {seed}: top-1 test '
              f"{run['top1_test']:.2f}; validation final "
              f"{run['top1_final']:.2f}, best {run['top1_best']:.2f}; "
              f"{run['s_per_iter']:.3f} s/iter", flush=True)
        if is_reference:
            pairs.append(dict(method=name, seed=seed,
                              bare_s_per_iter=bare['s_per_iter'],
                              bare_iters=len(bare['iter_times_s']),
                              framework_s_per_iter=run['s_per_iter']))
            overhead = overhead_summary(name, pairs)
            with open(osp.join(out, 'overhead.json'), 'w') as f:
                json.dump(overhead, f, indent=1)
            print(f"benchmark: overhead {name} seed {seed}: "
                  f"{overhead['pair_ratios'][-1]:.3f}", flush=True)
        save_runs(out, runs)
        # Only a class-conditional generator logs the agreement; the run is
        # saved before its picture is drawn.
        if agreement is not None:
            grid = draw_generator_grid(path, last_checkpoint, work_dir, out)
            if grid is not None:
                run['generator_grid'] = grid
                save_runs(out, runs)

    if not runs:
        print(f'benchmark: no finished run in {out} yet, so no report.',
              flush=True)
        return
    write_report(out, runs, overhead, command, budget, reference,
                 machine_text)
    state = 'done' if len(runs) == len(jobs) else 'stopped'
    print(f'benchmark: {state} after {(time.time() - start) / 60:.1f} min; '
          f'{out}/results.md, results.json, curves.png', flush=True)
    with open(osp.join(out, 'results.md')) as f:
        print(f.read())


if __name__ == '__main__':
    main()
