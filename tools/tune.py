"""Tune every method of a benchmark suite with the same budget (Optuna).

    python tools/tune.py configs/tuning/cifar10_search_spaces.py \
        --trials 6 --minutes 2 --out work_dirs/tune_cifar10 \
        [--teacher-ckpt T.pth] [--methods CPSC DAFL] [--cfg-options k=v ...]
    python tools/tune.py SPACES --report-only --out DIR

SPACES (a config file) names the suite and, per method, its config and its
own key knobs. Each method gets ``--trials`` trial configurations: trial 0 is
the config as shipped, the others are drawn by Optuna's TPE sampler (seeded).
Methods take turns (every method's trial 0, then every trial 1, ...), so a
tuning cut off at any point has given every method the same effort, give or
take one trial.
With fewer than ten trials TPE samples at random (its start-up phase), so
a short tuning is a seeded random search around the shipped config.
A trial is timed for ``--calibration-iters`` iterations, given as many
iterations as fit in ``--minutes`` (so its schedules complete), trained
through ``tools/train.py`` with seed 0 and scored by its last validation
top-1: the held-out training images of the suite's configs, never the test
set. The study is stored in OUT/optuna.db, so the same command continues an
interrupted tuning where it stopped. ``--import-trials FILE`` starts a new
OUT from the finished trials of an earlier tuning.json (e.g. the committed
docs/results/cifar10_tuning.json) when its optuna.db is gone, provided it
ran at the same budget over the same spaces; only the missing trials run.
tuning.json is rewritten after every trial, so a tuning cut off mid-method
keeps what it finished (such a method has no ``best_options`` yet).

Writes to --out:
  tuning.json  per method: the space, every trial (options, iterations,
               s/iter, validation top-1) and the best trial; ``best_options``
               per method, which ``tools/benchmark.py --tuned`` applies
  tuning.md    one table of trials per method
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import os.path as osp
import sys
import time
from typing import Any, Dict, List, Optional

# tools/ is on sys.path when this file runs as a script.
from benchmark import (METRIC, REPO, _abs, fits_before, iterations_in,
                       machine, prepare_config, recorded_command,
                       refuse_other_data_without_teacher, run_training,
                       stop_time, train_classifier)

KNOB_TYPES = ('float', 'int')


def parse_args(argv=None) -> argparse.Namespace:
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument('spaces', help='search-space config (configs/tuning/)')
    parser.add_argument('--out', required=True, help='output directory')
    parser.add_argument('--trials', type=int, default=6,
                        help='trial configurations per method, the shipped '
                        'config included (default: %(default)s)')
    parser.add_argument('--minutes', type=float, default=2.0,
                        help='training minutes per trial (default: '
                        '%(default)s)')
    parser.add_argument('--methods', nargs='+', default=None,
                        help='tune only these methods (default: all)')
    parser.add_argument('--teacher-ckpt', default=None,
                        help="teacher for every trial (default: the suite's, "
                        'trained into OUT/teacher when missing)')
    parser.add_argument('--batch-size', type=int, default=256)
    parser.add_argument('--calibration-iters', type=int, default=6)
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the sampler and of every trial')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        default={}, help='overrides applied to every trial')
    parser.add_argument('--import-trials', default=None, metavar='FILE',
                        help='seed the study with the finished trials of an '
                        'earlier tuning.json at the same budget')
    parser.add_argument('--import-speed-tolerance', type=float, default=1.25,
                        help='largest ratio between the s/iter of an '
                        "imported trial and this machine's on the same "
                        'config (run-to-run noise is ~10 %%; default: '
                        '%(default)s)')
    parser.add_argument('--stop-by', default=None, metavar='HH:MM',
                        type=stop_time,
                        help='start no trial that would not finish by this '
                        'local time (e.g. the end of a session); the same '
                        'command later continues where it stopped')
    parser.add_argument('--report-only', action='store_true',
                        help='rewrite tuning.md from OUT/tuning.json')
    args = parser.parse_args(argv)
    if not osp.isfile(args.spaces):
        parser.error(f'search-space config not found: {args.spaces}')
    for value, flag in ((args.trials, '--trials'),
                        (args.minutes, '--minutes'),
                        (args.batch_size, '--batch-size'),
                        (args.calibration_iters, '--calibration-iters'),
                        (args.import_speed_tolerance - 1,
                         '--import-speed-tolerance minus 1')):
        if value <= 0:
            parser.error(f'{flag} must be positive, got {value}.')
    if args.import_trials and not osp.isfile(args.import_trials):
        parser.error(f'--import-trials {args.import_trials}: no such file.')
    if args.teacher_ckpt and not osp.isfile(args.teacher_ckpt):
        parser.error(f'--teacher-ckpt {args.teacher_ckpt}: no such file.')
    refuse_other_data_without_teacher(parser, args, 'every trial')
    return args


def trial_fits(stop_by: Optional[datetime.datetime], minutes: float,
               spent_s: List[float]) -> bool:
    """Whether a trial started now ends before ``stop_by``. A trial takes
    its training minutes plus calibration, start-up and validation: the
    longest such trial of this command so far, and at least a guess of
    1.25 x its minutes + 2 min (the next method's may cost more than any so
    far)."""
    return fits_before(stop_by, max([1.25 * minutes * 60 + 120, *spent_s]))


def load_spaces(path: str, only: Optional[List[str]] = None,
                options: Optional[Dict] = None) -> Dict:
    """The search-space config, checked: every knob well-formed, every key
    present in its method's config, the shipped value inside the range, and
    a validation set that is not the test set (with ``options`` applied)."""
    from mmengine.config import Config
    spaces = Config.fromfile(path).to_dict()
    methods = spaces.get('methods')
    if not methods or 'suite' not in spaces:
        raise SystemExit(f'tune: {path} must define `suite` and `methods`.')
    unknown = sorted(set(only or []) - set(methods))
    if unknown:
        raise SystemExit(f'tune: --methods {unknown} not in {path} '
                         f'(it has {sorted(methods)}).')
    chosen = {name: spec for name, spec in methods.items()
              if not only or name in only}
    for name, spec in chosen.items():
        cfg = Config.fromfile(_abs(spec['config']))
        cfg.merge_from_dict(dict(options or {}))
        if cfg.val_dataloader.dataset == cfg.test_dataloader.dataset:
            raise SystemExit(
                f"tune: {name}'s config {spec['config']} validates on its test "
                'set; trials would be chosen on the reported images. Point '
                'val_dataloader at held-out training images (e.g. '
                "--cfg-options val_dataloader.dataset.type=... with "
                "mmpretrain.HeldOutSplit, part='held_out').")
        spec['defaults'] = {}
        for knob, dist in spec['space'].items():
            where = f'{path}: {name}.{knob}'
            if dist.get('type') not in KNOB_TYPES or not dist.get('keys'):
                raise SystemExit(f'tune: {where} needs type in {KNOB_TYPES} '
                                 'and a non-empty keys list.')
            values = {key: lookup(cfg, key, where) for key in dist['keys']}
            if len(set(values.values())) != 1:
                raise SystemExit(f'tune: {where}: its keys hold different '
                                 f'values in the config ({values}); one knob '
                                 'sets them all to one value.')
            default = next(iter(values.values()))
            if not dist['low'] <= default <= dist['high']:
                raise SystemExit(
                    f'tune: {where}: the shipped value {default} is outside '
                    f"[{dist['low']}, {dist['high']}]; widen the range so "
                    'trial 0 is the config as shipped.')
            spec['defaults'][knob] = default
    return dict(suite=spaces['suite'], methods=chosen)


def lookup(cfg, key: str, where: str) -> Any:
    node = cfg
    for part in key.split('.'):
        try:
            node = node[int(part)] if isinstance(node, list) else node[part]
        except (KeyError, IndexError, ValueError, TypeError):
            raise SystemExit(f'tune: {where}: config key {key!r} does not '
                             'exist in the method config.') from None
    return node


def sample(trial, space: Dict) -> Dict[str, Any]:
    """Draw every knob of ``space`` for an Optuna trial."""
    values = {}
    for knob, dist in space.items():
        if dist['type'] == 'int':
            values[knob] = trial.suggest_int(knob, dist['low'], dist['high'],
                                             log=dist.get('log', False))
        else:
            values[knob] = trial.suggest_float(knob, dist['low'],
                                               dist['high'],
                                               log=dist.get('log', False))
    return values


def to_options(space: Dict, values: Dict[str, Any]) -> Dict[str, Any]:
    """Knob values -> config options (one value per key of the knob)."""
    return {key: values[knob] for knob, dist in space.items()
            for key in dist['keys']}


def run_trial(args, name: str, spec: Dict, number: int, values: Dict,
              teacher_ckpt: str, out: str) -> Dict:
    """Calibrate, train and validate one trial configuration."""
    options = {**to_options(spec['space'], values), **dict(args.cfg_options)}
    trial_dir = osp.join(out, 'trials', name, f'trial{number}')
    iters, s_per_iter = iterations_in(
        args.minutes, f'{name} trial {number} calibration', spec['config'],
        options, teacher_ckpt, args.calibration_iters, args.batch_size,
        args.seed, osp.join(trial_dir, 'calibration'))
    _, path = prepare_config(spec['config'], options, teacher_ckpt, iters,
                             args.batch_size, 1, args.seed, trial_dir)
    timeline = run_training(f'{name} trial {number}', path, trial_dir)
    points = [p for p in timeline['points'] if METRIC in p['metrics']]
    if not points:
        raise SystemExit(f'tune: {name} trial {number} logged no {METRIC}; '
                         f'see {trial_dir}/train.log')
    return dict(number=number, values=values, options=options, iters=iters,
                s_per_iter=s_per_iter, wall_s=timeline['train_wall_s'],
                top1_val=points[-1]['metrics'][METRIC],
                teacher_sha256=args.teacher_sha256, machine=machine())


def distributions(space: Dict) -> Dict[str, Any]:
    """The Optuna distributions :func:`sample` draws ``space`` from."""
    import optuna
    return {knob: (optuna.distributions.IntDistribution
                   if dist['type'] == 'int' else
                   optuna.distributions.FloatDistribution)(
                       dist['low'], dist['high'], log=dist.get('log', False))
            for knob, dist in space.items()}


def importable_trials(source: Dict, path: str, name: str, spec: Dict,
                      budget: Dict, teacher_sha256: str) -> List[Dict]:
    """The finished trials of ``name`` in an earlier tuning.json, refused
    unless they ran at ``budget`` over the same config and space (trials at
    another budget would be compared as if they were not) and with the
    teacher whose weights hash to ``teacher_sha256`` (every method of a
    comparison distils one teacher)."""
    method = source.get('methods', {}).get(name)
    if method is None:
        return []
    theirs = dict(minutes=source.get('minutes'), seed=source.get('seed'),
                  batch_size=source.get('batch_size'))
    ours = {k: budget.get(k) for k in theirs}
    if theirs != ours:
        raise SystemExit(f'tune: {path} tuned {name} at {theirs}, this run '
                         f'is {ours}; import trials only into a tuning at '
                         'the same --minutes, --seed and --batch-size.')
    if method.get('config') != spec['config'] or \
            method.get('space') != spec['space']:
        raise SystemExit(f"tune: {path} tuned {name} over another config or "
                         'search space than this one; its trials cannot be '
                         'mixed into this study.')
    for trial in method['trials']:
        expected = {**to_options(spec['space'], trial['values']),
                    **budget['cfg_options']}
        if trial['options'] != expected:
            raise SystemExit(
                f"tune: {path}: {name} trial {trial['number']} ran with "
                f"options {trial['options']}, which this run would set as "
                f'{expected}; use the same --cfg-options.')
    other_teacher = sorted({str(t.get('teacher_sha256')) for t in
                            method['trials']} - {teacher_sha256})
    if other_teacher:
        raise SystemExit(
            f'tune: {path}: {name} trials ran with a teacher whose weights '
            f'hash to {", ".join(other_teacher)} ("None": not recorded), '
            f'this run distils {teacher_sha256}; trials of another teacher '
            'would be compared with these as if they were one study. Import '
            'with the teacher they ran with, or tune every method again.')
    return [{**t, 'imported_from': t.get('imported_from', path)}
            for t in method['trials']]


def check_import_speed(args, name: str, spec: Dict, imported: List[Dict],
                       teacher_ckpt: str, out: str) -> None:
    """Refuse imported trials timed on a machine of another speed.

    A trial's budget is minutes, so on a machine twice as slow it gets half
    the iterations: trials from there and from here would not have had the
    same budget. One imported trial (the shipped config's, where imported)
    is timed again here; its s/iter must match within the tolerance.
    """
    probe = next((r for r in imported if r['values'] == spec['defaults']),
                 imported[0])
    _, here = iterations_in(
        args.minutes, f"{name} trial {probe['number']} speed check",
        spec['config'], probe['options'], teacher_ckpt,
        args.calibration_iters, args.batch_size, args.seed,
        osp.join(out, 'trials', name, 'import_speed_check'))
    there = probe['s_per_iter']
    ratio = here / there
    print(f'tune: {name}: {here:.2f} s/iter here, {there:.2f} where its '
          f'trials ran ({ratio:.2f}x)', flush=True)
    tolerance = args.import_speed_tolerance
    if not 1 / tolerance <= ratio <= tolerance:
        raise SystemExit(
            f"tune: {name}'s imported trials ran at {there:.2f} s/iter "
            f"(trial {probe['number']}), this machine runs the same config at "
            f'{here:.2f} s/iter ({ratio:.2f}x): a {args.minutes:g}-minute '
            'trial here would get a different number of iterations, so the '
            "imported trials and this run's would not share a budget. Run "
            'the tuning without --import-trials here (every method), or on '
            'a machine of the imported trials\' speed.')


def trial_budget(args: argparse.Namespace) -> Dict:
    """What every trial of a study shares: compared across a resumed study
    and with the trials --import-trials brings in."""
    return dict(minutes=args.minutes, seed=args.seed,
                batch_size=args.batch_size,
                cfg_options=dict(args.cfg_options))


def open_study(args, name: str, spec: Dict, teacher_ckpt: str, out: str,
               imported: Optional[List[Dict]] = None):
    """``name``'s Optuna study in OUT/optuna.db, ready for its next trial:
    its budget checked against this command's, interrupted trials marked
    failed, ``imported`` trials added, the shipped config queued first."""
    try:
        import optuna
    except ImportError:
        raise SystemExit('tune: needs Optuna: pip install optuna (or '
                         '`make venv`, which installs requirements/tests.txt)'
                         ) from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = f"sqlite:///{osp.join(out, 'optuna.db')}"
    study = optuna.create_study(study_name=name, direction='maximize',
                                storage=storage, load_if_exists=True)
    budget = trial_budget(args)
    if study.user_attrs.get('budget', budget) != budget:
        raise SystemExit(
            f"tune: {name}'s trials in {out} ran with another budget "
            f"({study.user_attrs['budget']}); use the same --minutes, --seed, "
            '--batch-size and --cfg-options, or a new --out.')
    study.set_user_attr('budget', budget)
    for trial in study.trials:  # interrupted: never scored, never reused
        if trial.state == optuna.trial.TrialState.RUNNING:
            study.tell(trial.number, state=optuna.trial.TrialState.FAIL)
    known = [t.params for t in finished_trials(study)]
    imported = [r for r in imported or [] if r['values'] not in known]
    if imported:
        check_import_speed(args, name, spec, imported, teacher_ckpt, out)
    for result in imported:
        # Numbered as in this study, so a new trial never shares its number.
        result = {**result, 'number': len(study.trials)}
        study.add_trial(optuna.trial.create_trial(
            params=result['values'], distributions=distributions(
                spec['space']), value=result['top1_val'],
            user_attrs=dict(result=result)))
        print(f"tune: {name} trial {result['number']} imported "
              f"({result['top1_val']:.2f})", flush=True)
    # A restarted sampler with the first seed would redraw the same values:
    # seed it with how far the study got.
    study.sampler = optuna.samplers.TPESampler(
        seed=args.seed + len(study.trials))
    queue_shipped_config(study, spec['defaults'])
    return study


def queue_shipped_config(study, defaults: Dict) -> None:
    """Queue the config as shipped (trial 0) unless it has finished or is
    already queued. Every start of tune.py opens every method's study, so
    without the second check a method whose turn had not come yet got the
    shipped config queued once per start, and ran it again as its trial 1
    (seen on 2026-12-01). A killed run of it (failed) is queued again."""
    import optuna
    state = optuna.trial.TrialState
    for trial in study.trials:
        if trial.state == state.COMPLETE and trial.params == defaults:
            return
        if (trial.state == state.WAITING
                and trial.system_attrs.get('fixed_params') == defaults):
            return
    study.enqueue_trial(defaults)


def finished_trials(study) -> List:
    import optuna
    return [t for t in study.trials
            if t.state == optuna.trial.TrialState.COMPLETE]


def run_next_trial(args, name: str, spec: Dict, study, teacher_ckpt: str,
                   out: str) -> None:
    """Draw, train and score one more trial of ``name``."""
    trial = study.ask()
    values = sample(trial, spec['space'])
    print(f'tune: {name} trial {trial.number}: {values}', flush=True)
    result = run_trial(args, name, spec, trial.number, values, teacher_ckpt,
                       out)
    trial.set_user_attr('result', result)
    study.tell(trial, result['top1_val'])
    print(f"tune: {name} trial {trial.number}: validation top-1 "
          f"{result['top1_val']:.2f} after {result['iters']} iterations",
          flush=True)


def next_method(finished: Dict[str, int], trials: int) -> Optional[str]:
    """The method whose trial runs next: the first (in the spaces' order)
    of those with the fewest finished trials, None when all have
    ``trials``. So methods take turns, and a tuning cut off at any point
    has given every method the same number of trials, give or take one."""
    waiting = {name: n for name, n in finished.items() if n < trials}
    if not waiting:
        return None
    fewest = min(waiting.values())
    return next(name for name, n in waiting.items() if n == fewest)


def method_record(spec: Dict, study) -> Dict:
    """A method's entry of tuning.json: its space, finished trials and the
    best of them so far."""
    import optuna
    trials = [t.user_attrs['result'] for t in study.trials
              if t.state == optuna.trial.TrialState.COMPLETE]
    return dict(config=spec['config'], space=spec['space'], trials=trials,
                best=max(trials, key=lambda t: t['top1_val']))


def tuning_markdown(tuning: Dict) -> str:
    """One table of trials per method, from tuning.json's data only."""
    lines = [f"Tuning budget: {tuning['trials']} trials per method, "
             f"{tuning['minutes']:g} minutes of training each, seed "
             f"{tuning['seed']}; score: top-1 (%) on the validation set "
             '(held-out training images), never the test set. Trial 0 is '
             'the config as shipped.', '']
    for name, result in tuning['methods'].items():
        knobs = list(result['space'])
        # A conditional generator's teacher agreement, where it was logged
        # (tools/results_tables.py collect-tuning reads it from each run).
        agreement = any('teacher_agreement_last_fifth' in t
                        for t in result['trials'])
        extra = ' teacher agreement, last fifth |' if agreement else ''
        done = len(result['trials'])
        progress = (f", {done} of {tuning['trials']} trials finished so far"
                    if done < tuning['trials'] else '')
        lines += [f'**{name}** (`{result["config"]}`{progress})', '',
                  '| trial | ' + ' | '.join(knobs)
                  + ' | iterations |' + extra + ' validation top-1 |',
                  '|---' * (len(knobs) + 3 + agreement) + '|']
        for t in result['trials']:
            mark = ''
            if t['number'] == result['best']['number']:
                mark = ' **(best so far)**' if progress else ' **(best)**'
            cell = ''
            if agreement:
                value = t.get('teacher_agreement_last_fifth')
                cell = (f' {100 * value:.1f} % |' if value is not None
                        else ' - |')
            lines.append(
                f"| {t['number']}{mark} | "
                + ' | '.join(_fmt(t['values'][k]) for k in knobs)
                + f" | {t['iters']} |{cell} {t['top1_val']:.2f} |")
        lines.append('')
        lines += _provenance(result['trials'])
    lines += [f"Command: `{tuning['command']}`", '']
    return '\n'.join(lines)


def _provenance(trials: List[Dict]) -> List[str]:
    """Where trials came from when not all from one run: the imported ones,
    and the teacher weights and machine of each where they differ."""
    notes = []
    imported = [t for t in trials if t.get('imported_from')]
    if imported:
        notes.append('Trials ' + ', '.join(str(t['number']) for t in imported)
                     + ' imported from `'
                     + '`, `'.join(sorted({t['imported_from']
                                          for t in imported})) + '`.')
    # Trials of one study may differ in these after a lost machine.
    for key, label in (('teacher_sha256', 'Teacher weights (sha256 prefix)'),
                       ('machine', 'Machine')):
        groups: Dict[str, List[str]] = {}
        for t in trials:
            groups.setdefault(t.get(key) or 'not recorded',
                              []).append(str(t['number']))
        if len(groups) > 1:
            notes.append(f'{label}: ' + '; '.join(
                f"trial{'s' if len(n) > 1 else ''} {', '.join(n)}: {value}"
                for value, n in groups.items()) + '.')
    return [' '.join(notes), ''] if notes else []


def write_markdown(path: str, tuning: Dict) -> None:
    with open(path, 'w') as f:
        f.write(tuning_markdown(tuning))


def _fmt(value) -> str:
    return str(value) if isinstance(value, int) else f'{value:.3g}'


def main(argv=None) -> None:
    args = parse_args(argv)
    out = osp.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    json_path = osp.join(out, 'tuning.json')
    if args.report_only:
        if not osp.isfile(json_path):
            raise SystemExit(f'tune: no tuning.json in {out}; nothing to '
                             'report (run the tuning first).')
        with open(json_path) as f:
            write_markdown(osp.join(out, 'tuning.md'), json.load(f))
        return
    spaces = load_spaces(args.spaces, args.methods, args.cfg_options)
    command = recorded_command(
        'tune', list(sys.argv[1:] if argv is None else argv))
    teacher_ckpt = osp.abspath(args.teacher_ckpt or train_classifier(
        out, spaces['suite'], 'teacher'))
    tuning = dict(command=command, suite=spaces['suite'], trials=args.trials,
                  minutes=args.minutes, seed=args.seed,
                  batch_size=args.batch_size, methods={}, best_options={})
    if osp.isfile(json_path):  # keep other methods' finished tunings
        with open(json_path) as f:
            previous = json.load(f)
        tuning['methods'] = previous.get('methods', {})
        tuning['best_options'] = previous.get('best_options', {})
    source = {}
    if args.import_trials:
        with open(args.import_trials) as f:
            source = json.load(f)
        if source.get('suite') != spaces['suite']:
            raise SystemExit(f'tune: --import-trials {args.import_trials} '
                             f"tuned the {source.get('suite')} suite, not "
                             f"{spaces['suite']}.")
    budget = trial_budget(args)
    from mmrazor_cpsc.utils.checkpoint import weights_sha256
    args.teacher_sha256 = weights_sha256(teacher_ckpt)
    tuning['teacher'] = dict(checkpoint=osp.relpath(teacher_ckpt, REPO),
                             weights_sha256=args.teacher_sha256)

    def record(name: str, result: Dict) -> None:
        tuning['methods'][name] = result
        # Only a finished method is ready for benchmark.py --tuned.
        if len(result['trials']) >= args.trials:
            tuning['best_options'][name] = {
                k: v for k, v in result['best']['options'].items()
                if k not in args.cfg_options}
        else:
            tuning['best_options'].pop(name, None)
        with open(json_path, 'w') as f:
            json.dump(tuning, f, indent=1)
        write_markdown(osp.join(out, 'tuning.md'), tuning)

    studies = {}
    for name, spec in spaces['methods'].items():
        imported = importable_trials(source, args.import_trials, name, spec,
                                     budget, args.teacher_sha256)
        studies[name] = open_study(args, name, spec, teacher_ckpt, out,
                                   imported)
        if finished_trials(studies[name]):
            record(name, method_record(spec, studies[name]))
    # Methods take turns (every method's first trial, then every second
    # one, ...), as the benchmark runs seed-major: a tuning stopped early
    # still gave every method the same tuning effort.
    spent_s: List[float] = []
    while True:
        name = next_method({n: len(finished_trials(study))
                            for n, study in studies.items()}, args.trials)
        if name is None:
            break
        if not trial_fits(args.stop_by, args.minutes, spent_s):
            print(f'tune: stopping before {name}\'s next trial, which would '
                  f'not end by {args.stop_by:%H:%M}; the same command '
                  'continues from here.', flush=True)
            return
        spec = spaces['methods'][name]
        start = time.time()
        run_next_trial(args, name, spec, studies[name], teacher_ckpt, out)
        spent_s.append(time.time() - start)
        record(name, method_record(spec, studies[name]))
    for name, study in studies.items():
        best = method_record(spaces['methods'][name], study)['best']
        print(f"tune: {name}: best trial {best['number']} "
              f"({best['top1_val']:.2f})", flush=True)
    print(f'tune: done; {json_path}, {osp.join(out, "tuning.md")}',
          flush=True)


if __name__ == '__main__':
    main()
