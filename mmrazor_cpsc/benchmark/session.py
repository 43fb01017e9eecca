"""One benchmark session: checked arguments in, runs and a report out.

:func:`check_benchmark_args` checks what ``tools/benchmark.py`` parsed,
:func:`run_benchmark` runs the session: calibration (or the state of a
benchmark being continued), the references, the runs in seed-major order
(each method's first seed, then each second one, ...), then the report.
"""
import argparse
import json
import os
import os.path as osp
import time
from typing import Dict, List

from .budget import calibrate, expected_run_s, fits_before, recalibrate
from .paths import config_path
from .references import applicable_options, references
from .report import (agreement_last_fifth, latest_scalars, machine,
                     read_json, report_only, write_report)
from .runs import (bare_loop_models, benchmark_settings, draw_generator_grid,
                   evaluate_on_test_set, import_runs, method_options,
                   overhead_summary, pending_jobs, prepare_config,
                   recorded_command, resumed_budget, run_training, save_runs,
                   summarise_run, time_bare_loop, train_classifier)
from .suites import SUITES, method_name


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


def check_benchmark_args(parser: argparse.ArgumentParser,
                         args: argparse.Namespace) -> None:
    """Check and complete what ``tools/benchmark.py`` parsed: a budget,
    existing files, consistent --resume/--import-runs/--recalibrate/--only,
    and --tuned options for every method (``args.tuned_options``), with
    ``args.first_seed`` after the tuning's seed. Calls ``parser.error``
    (exit 2, one line) on the first problem."""
    if args.report_only:
        return
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
    missing = [c for c in args.configs if not osp.isfile(config_path(c))]
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
            source_type = (
                Config.fromfile(config_path(source['config'])).model.type
                if 'config' in source else None)
            for name, config in zip(names, args.configs):
                if name in args.tuned_options:
                    continue  # a tuned method keeps its own options
                config_type = Config.fromfile(
                    config_path(config)).model.get('type')
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


def run_benchmark(args: argparse.Namespace, argv: List[str]) -> None:
    """Run the benchmark ARGS describe (checked by
    :func:`check_benchmark_args`) into ``args.out``; ARGV is the command
    line, recorded (without session flags) as the command of the results.
    """
    out = osp.abspath(args.out)
    if args.report_only:
        report_only(out)
        return
    os.makedirs(out, exist_ok=True)
    argv_now = list(argv)
    command = recorded_command('benchmark', argv_now)
    teacher_ckpt = osp.abspath(args.teacher_ckpt or train_classifier(
        out, args.suite, 'teacher', applicable_options(
            args.cfg_options, SUITES[args.suite]['teacher'])[0]))
    names = args.names or [method_name(c) for c in args.configs]
    if len(set(names)) != len(names):
        raise SystemExit(f'benchmark: method names collide ({names}); pass '
                         '--names.')
    machine_text = machine()
    settings = benchmark_settings(args, names, teacher_ckpt)
    info_path = osp.join(out, 'benchmark.json')
    runs: List[Dict] = []
    pairs: List[Dict] = []
    from ..utils.checkpoint import weights_sha256
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
        info = read_json(info_path)
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
        runs = read_json(osp.join(out, 'results.json'), [])
        pairs = (read_json(osp.join(out, 'overhead.json')) or {}).get(
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
