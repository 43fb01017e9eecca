"""The Optuna study of ``tools/tune.py``: every method tuned at one budget.

Each method gets ``--trials`` trial configurations: trial 0 is the config as
shipped, the others are drawn by Optuna's TPE sampler (seeded) from the
method's search space (a ``configs/tuning/`` file). Methods take turns, so a
tuning cut off at any point has given every method the same effort, give or
take one trial. A trial is calibrated to the minutes budget, trained through
``tools/train.py`` and scored by its last validation top-1 (held-out
training images, never the test set). The study lives in OUT/optuna.db, so
the same command continues an interrupted tuning.
"""
import argparse
import json
import os
import os.path as osp
import time
from typing import TYPE_CHECKING, Any, Dict, List, Optional

from .budget import iterations_in, trial_fits
from .paths import config_path, working_dir
from .references import applicable_options
from .report import machine, write_tuning_markdown
from .runs import (prepare_config, recorded_command, run_training,
                   train_classifier)
from .session import refuse_other_data_without_teacher
from .suites import METRIC, SUITES

if TYPE_CHECKING:
    import optuna


KNOB_TYPES = ('float', 'int')


def check_tune_args(parser: argparse.ArgumentParser,
                    args: argparse.Namespace) -> None:
    """Check what ``tools/tune.py`` parsed: existing files, positive
    budgets, and no data moved without a teacher of that data. Calls
    ``parser.error`` (exit 2, one line) on the first problem."""
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
        cfg = Config.fromfile(config_path(spec['config']))
        cfg.merge_from_dict(dict(options or {}))
        if cfg.val_dataloader.dataset == cfg.test_dataloader.dataset:
            raise SystemExit(
                f"tune: {name}'s config {spec['config']} validates on its "
                'test set; trials would be chosen on the reported images. '
                'Point val_dataloader at held-out training images (e.g. '
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


def lookup(cfg: Any, key: str, where: str) -> Any:
    """The value of the dotted KEY in the config CFG (list items by index);
    SystemExit naming WHERE when the key does not exist."""
    node = cfg
    for part in key.split('.'):
        try:
            node = node[int(part)] if isinstance(node, list) else node[part]
        except (KeyError, IndexError, ValueError, TypeError):
            raise SystemExit(f'tune: {where}: config key {key!r} does not '
                             'exist in the method config.') from None
    return node


def sample(trial: 'optuna.trial.Trial', space: Dict) -> Dict[str, Any]:
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


def run_trial(args: argparse.Namespace, name: str, spec: Dict, number: int,
              values: Dict, teacher_ckpt: str, out: str) -> Dict:
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


def check_import_speed(args: argparse.Namespace, name: str, spec: Dict,
                       imported: List[Dict], teacher_ckpt: str,
                       out: str) -> None:
    """Refuse imported trials timed on a machine of another speed.

    A trial's budget is minutes, so on a machine twice as slow it gets half
    the iterations: trials from there and from here would not have had the
    same budget. One imported trial (the shipped config's, where imported)
    is timed again here; its s/iter must match within the tolerance (see
    :func:`speed_mismatch`).
    """
    probe = next((r for r in imported if r['values'] == spec['defaults']),
                 imported[0])
    _, here = iterations_in(
        args.minutes, f"{name} trial {probe['number']} speed check",
        spec['config'], probe['options'], teacher_ckpt,
        args.calibration_iters, args.batch_size, args.seed,
        osp.join(out, 'trials', name, 'import_speed_check'))
    print(f"tune: {name}: {here:.2f} s/iter here, {probe['s_per_iter']:.2f} "
          f"where its trials ran ({here / probe['s_per_iter']:.2f}x)",
          flush=True)
    problem = speed_mismatch(name, probe, here, args.minutes,
                             args.import_speed_tolerance)
    if problem:
        raise SystemExit(problem)


def speed_mismatch(name: str, probe: Dict, here: float, minutes: float,
                   tolerance: float) -> Optional[str]:
    """Why the imported trial PROBE (timed at ``probe['s_per_iter']``) and
    this machine's HERE s/iter on the same config do not share a budget of
    MINUTES, or None when their ratio is within TOLERANCE either way."""
    there = probe['s_per_iter']
    ratio = here / there
    if 1 / tolerance <= ratio <= tolerance:
        return None
    return (
        f"tune: {name}'s imported trials ran at {there:.2f} s/iter "
        f"(trial {probe['number']}), this machine runs the same config at "
        f'{here:.2f} s/iter ({ratio:.2f}x): a {minutes:g}-minute '
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


def open_study(args: argparse.Namespace, name: str, spec: Dict,
               teacher_ckpt: str, out: str,
               imported: Optional[List[Dict]] = None) -> 'optuna.Study':
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


def queue_shipped_config(study: 'optuna.Study', defaults: Dict) -> None:
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


def finished_trials(study: 'optuna.Study') -> List:
    """The completed trials of STUDY (not failed, running or waiting)."""
    import optuna
    return [t for t in study.trials
            if t.state == optuna.trial.TrialState.COMPLETE]


def run_next_trial(args: argparse.Namespace, name: str, spec: Dict,
                   study: 'optuna.Study', teacher_ckpt: str,
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


def method_record(spec: Dict, study: 'optuna.Study') -> Dict:
    """A method's entry of tuning.json: its space, finished trials and the
    best of them so far."""
    import optuna
    trials = [t.user_attrs['result'] for t in study.trials
              if t.state == optuna.trial.TrialState.COMPLETE]
    return dict(config=spec['config'], space=spec['space'], trials=trials,
                best=max(trials, key=lambda t: t['top1_val']))


def run_tuning(args: argparse.Namespace, argv: List[str]) -> None:
    """Run (or continue) the tuning ARGS describe (checked by
    :func:`check_tune_args`) into ``args.out``: every method's study in
    turns, tuning.json and tuning.md rewritten after every trial. ARGV is
    the command line, recorded as the tuning's command."""
    out = osp.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    json_path = osp.join(out, 'tuning.json')
    if args.report_only:
        if not osp.isfile(json_path):
            raise SystemExit(f'tune: no tuning.json in {out}; nothing to '
                             'report (run the tuning first).')
        with open(json_path) as f:
            write_tuning_markdown(osp.join(out, 'tuning.md'), json.load(f))
        return
    spaces = load_spaces(args.spaces, args.methods, args.cfg_options)
    command = recorded_command('tune', list(argv))
    teacher_ckpt = osp.abspath(args.teacher_ckpt or train_classifier(
        out, spaces['suite'], 'teacher', applicable_options(
            args.cfg_options, SUITES[spaces['suite']]['teacher'])[0]))
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
    from ..utils.checkpoint import weights_sha256
    args.teacher_sha256 = weights_sha256(teacher_ckpt)
    tuning['teacher'] = dict(
        checkpoint=osp.relpath(teacher_ckpt, working_dir()),
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
        write_tuning_markdown(osp.join(out, 'tuning.md'), tuning)

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
