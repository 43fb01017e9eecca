"""One benchmark run and the state a benchmark keeps between sessions.

A run is ``tools/train.py`` on a config dumped at the benchmark's budget,
then ``tools/test.py --per-class`` on its last checkpoint, each in its own
process (timings and peak memory are the run's alone). The state of a
benchmark (its settings, calibration and finished runs) lets ``--resume``
and ``--import-runs`` continue it in another session or on another machine.
"""
import json
import os
import os.path as osp
import re
import shlex
import statistics
import subprocess
import sys
import threading
import time
from typing import TYPE_CHECKING, Dict, List, Optional, Tuple

from .paths import config_path, dev_script, tool_path, working_dir
from .report import read_json
from .suites import CPSC_TYPE, METRIC, PER_CLASS_METRIC, SUITES

if TYPE_CHECKING:
    from argparse import Namespace

    from mmengine.config import Config


def prepare_config(config: str, options: Dict, teacher_ckpt: str, iters: int,
                   batch_size: int, val_points: int, seed: int,
                   work_dir: str) -> Tuple['Config', str]:
    """The method's config at the benchmark's budget, dumped to work_dir.

    Args:
        config: the method's config file (absolute, from the current
            folder, or ``configs/...`` of the project).
        options: --cfg-options (and tuned options) merged into it.
        teacher_ckpt: the teacher checkpoint every method distils.
        iters: training iterations; val_points: validations over them.
        batch_size, seed: the run's training batch and seed.
        work_dir: where ``config.py`` is written and the run works.

    Returns:
        (the mmengine Config, the path of the dumped ``config.py``).
    """
    from mmengine.config import Config
    from mmrazor_cpsc.utils.config_checks import \
        find_parse_time_knob_overrides
    cfg = Config.fromfile(config_path(config))
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


def run_training(label: str, config: str, work_dir: str) -> Dict:
    """tools/train.py on a dumped CONFIG in its own process, its output in
    WORK_DIR/train.log; returns the run's timeline (MetricTimelineHook's
    timeline.json) with the process's wall time as ``process_wall_s``.

    Raises:
        SystemExit: naming the run and its log when the training fails.
    """
    log = osp.join(work_dir, 'train.log')
    cmd = [sys.executable, tool_path('train.py'), config, '--work-dir',
           work_dir]
    start = time.time()
    with open(log, 'w') as out, Progress(label, log):
        result = subprocess.run(cmd, cwd=working_dir(), stdout=out,
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
    """One row of results.json from a run's timeline and test top-1: the
    final and best validation top-1, wall times, s/iter, peak RSS and the
    validation curve."""
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


def train_classifier(out: str, suite: str, role: str,
                     options: Optional[Dict] = None) -> str:
    """The suite's teacher or real-data student, trained into OUT/ROLE with
    the --cfg-options OPTIONS that apply to its config; returns its final
    checkpoint. A finished training is kept (a second benchmark in OUT
    reuses it) when it ran with the same OPTIONS; an interrupted one is
    resumed, never used half-trained (mmengine moves ``last_checkpoint``
    after every epoch, so only the ``finished`` marker written here, which
    records the options, says the run completed).

    Raises:
        SystemExit: when OUT/ROLE was trained with other options.
    """
    options = json.loads(json.dumps(dict(options or {}), default=str))
    work_dir = osp.join(out, role)
    pointer = osp.join(work_dir, 'last_checkpoint')
    finished = osp.join(work_dir, 'finished')
    config = config_path(SUITES[suite][role])
    if osp.isfile(finished):
        with open(finished) as f:
            marker = f.read()
        # Markers from before options were recorded hold plain text.
        before = json.loads(marker) if marker.startswith('{') else None
        if before is not None and before.get('cfg_options') != options:
            raise SystemExit(
                f'benchmark: the {role} in {work_dir} was trained with '
                f"--cfg-options {before.get('cfg_options')}, this benchmark "
                f'gives it {options}; use a new --out (or delete {work_dir} '
                'to train it again).')
    else:
        prepare, *prepare_args = SUITES[suite]['prepare']
        run_step([sys.executable, tool_path(prepare), *prepare_args],
                 f'preparing the {suite} data')
        resume = osp.isfile(pointer)
        print(f"benchmark: {'resuming' if resume else 'training'} the "
              f'{suite} {role} ({SUITES[suite][role]}) in {work_dir}',
              flush=True)
        log = osp.join(out, f'{role}_train.log')
        cmd = [sys.executable, tool_path('train.py'), config, '--work-dir',
               work_dir] + (['--resume'] if resume else [])
        if options:
            cmd += ['--cfg-options'] + [f'{k}={v}' for k, v in options.items()]
        run_step(cmd, f'training the {role}', log)
        os.makedirs(work_dir, exist_ok=True)
        with open(finished, 'w') as f:
            json.dump(dict(status='training finished', cfg_options=options),
                      f)
    with open(pointer) as f:
        return f.read().strip()


def run_step(cmd: List[str], what: str, log: Optional[str] = None) -> None:
    """Run a tool; on failure stop with what failed and where its output is,
    not a traceback of this script."""
    if log is None:
        result = subprocess.run(cmd, cwd=working_dir())
    else:
        with open(log, 'a') as out:
            result = subprocess.run(cmd, cwd=working_dir(), stdout=out,
                                    stderr=subprocess.STDOUT)
    if result.returncode != 0:
        raise SystemExit(f'benchmark: {what} failed (exit code '
                         f'{result.returncode})'
                         + (f'; see {log}' if log else '') + '.')


def evaluate_on_test_set(config: str, checkpoint: str, work_dir: str,
                         options: Optional[List[str]] = None) -> Dict:
    """tools/test.py --per-class: top-1 (%) of CHECKPOINT on the config's
    test set (``top1``), the accuracy of every class (``per_class``, class
    order) and the class names (``classes``)."""
    metrics_path = osp.join(work_dir, 'test_metrics.json')
    cmd = [sys.executable, tool_path('test.py'), config,
           checkpoint, '--work-dir', osp.join(work_dir, 'test'),
           '--out-metrics', metrics_path, '--per-class']
    if options:
        cmd += ['--cfg-options', *options]
    with open(osp.join(work_dir, 'test.log'), 'w') as log:
        result = subprocess.run(cmd, cwd=working_dir(), stdout=log,
                                stderr=subprocess.STDOUT)
    if result.returncode != 0:
        raise SystemExit(f'benchmark: testing {checkpoint} failed; see '
                         f'{work_dir}/test.log')
    with open(metrics_path) as f:
        metrics = json.load(f)
    return dict(top1=metrics[METRIC], per_class=metrics[PER_CLASS_METRIC],
                classes=metrics['classes'])


def draw_generator_grid(config: str, checkpoint: str, work_dir: str,
                        out: str) -> Optional[str]:
    """tools/visualize_generator.py on a run's last checkpoint: one row of
    synthetic images per class, with the teacher's agreement printed in
    WORK_DIR/grid.log; returns the picture's path relative to OUT, or None
    (with a warning) when the drawing fails, which must not cost the run.
    Only for class-conditional generators (CPSC's), whose rows mean
    something."""
    path = osp.join(work_dir, 'generator_grid.png')
    log = osp.join(work_dir, 'grid.log')
    cmd = [sys.executable, tool_path('visualize_generator.py'), config,
           checkpoint, '--out', path]
    with open(log, 'w') as f:
        result = subprocess.run(cmd, cwd=working_dir(), stdout=f,
                                stderr=subprocess.STDOUT)
    if result.returncode != 0:
        print(f'benchmark: warning: drawing the generator of {checkpoint} '
              f'failed (see {log}); the run is kept without its grid.',
              flush=True)
        return None
    return osp.relpath(path, out)


def save_runs(out: str, runs: List[Dict]) -> None:
    """OUT/results.json, rewritten after every run."""
    with open(osp.join(out, 'results.json'), 'w') as f:
        json.dump(runs, f, indent=1)


def time_bare_loop(config: str, teacher_ckpt: str, iters: int,
                   batch_size: int, out_json: str) -> Dict:
    """.dev_scripts/bare_cpsc_loop.py on CONFIG: the timing of a bare
    PyTorch loop doing CPSC's math (``s_per_iter``, ``iter_times_s``),
    also written to OUT_JSON. Only in a checkout (see
    :func:`bare_loop_models`)."""
    cmd = [sys.executable, dev_script('bare_cpsc_loop.py'), config,
           '--teacher-ckpt', teacher_ckpt, '--iters', str(iters),
           '--batch-size', str(batch_size), '--out', out_json]
    subprocess.run(cmd, cwd=working_dir(), check=True,
                   stdout=subprocess.DEVNULL)
    with open(out_json) as f:
        return json.load(f)


def uses_cpu_autocast(cfg: 'Config') -> bool:
    """Whether any optimiser wrapper of CFG runs under bfloat16 autocast."""
    return any(isinstance(w, dict)
               and w.get('type') == 'CPUAutocastOptimWrapper'
               for w in cfg.optim_wrapper.values())


def bare_loop_models(name: str, cfg: 'Config') -> bool:
    """Whether .dev_scripts/bare_cpsc_loop.py computes what CFG computes
    (then its timing is the overhead reference); says why not for a CPSC
    config."""
    if cfg.model.get('type') != CPSC_TYPE:
        return False
    script = dev_script('bare_cpsc_loop.py')
    if script is None:
        print(f'benchmark: no bare-loop reference for {name}: '
              '.dev_scripts/bare_cpsc_loop.py is in a checkout only',
              flush=True)
        return False
    unmodelled = _load_script(script).unmodelled
    problems = unmodelled(cfg) + (['bfloat16 autocast'] if uses_cpu_autocast(
        cfg) else [])
    if problems:
        print(f'benchmark: no bare-loop reference for {name}: the loop does '
              f"not model {'; '.join(problems)}", flush=True)
    return not problems


def _load_script(path: str):
    """A research script of .dev_scripts/ as a module."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        osp.splitext(osp.basename(path))[0], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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


def method_options(args: 'Namespace', name: str) -> Dict:
    """The options for one method: its tuned ones, then --cfg-options."""
    return {**args.tuned_options.get(name, {}), **dict(args.cfg_options)}


def benchmark_settings(args: 'Namespace', names: List[str],
                       teacher_ckpt: str) -> Dict:
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
    benchmark (.dev_scripts/results_tables.py collect-benchmark), refused
    unless it ran with these settings and a teacher of the same weights: a
    benchmark whose OUT is lost (a new machine) continues where its
    committed file stopped, and its runs stay comparable (same iterations,
    same teacher)."""
    bundle = read_json(path)
    if not isinstance(bundle, dict) or 'runs' not in bundle:
        raise SystemExit(f'benchmark: --import-runs {path} is not a '
                         'collected benchmark (.dev_scripts/results_tables.py '
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
