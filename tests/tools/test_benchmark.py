"""tools/benchmark.py end to end: two methods, two seeds, a time budget,
the bare-loop reference, and the three output files."""
import glob
import json
import os
import os.path as osp
import re
import subprocess
import sys

import pytest
import torch
from conftest import REPO, TEACHER_CONFIG, mnist_val_options
from mmengine.config import Config
from mmpretrain.registry import MODELS as PRETRAIN_MODELS
from PIL import Image

sys.path.insert(0, osp.join(REPO, 'tools'))
import benchmark  # noqa: E402
import results_tables  # noqa: E402

CONFIGS = ['configs/cpsc/cpsc_lenet5bn_lenet5half_mnist.py',
           'configs/baselines/dafl_lenet5bn_lenet5half_mnist.py']


@pytest.fixture
def teacher_file(tmp_path):
    torch.manual_seed(0)
    teacher = PRETRAIN_MODELS.build(Config.fromfile(TEACHER_CONFIG).model)
    path = tmp_path / 'teacher.pth'
    torch.save(teacher.state_dict(), path)
    return os.fspath(path)


def test_minutes_budget_two_methods_two_seeds(tmp_path, fake_mnist_root,
                                              teacher_file):
    out = tmp_path / 'bench'
    argv = ['--configs', *CONFIGS, '--minutes', '0.02',
            '--calibration-iters', '3', '--seeds', '2', '--val-points', '2',
            '--batch-size', '20', '--bare-iters', '2', '--teacher-ckpt',
            teacher_file, '--out', os.fspath(out), '--cfg-options',
            *mnist_val_options(fake_mnist_root),
            'val_dataloader.batch_size=20',
            f'test_dataloader.dataset.data_root={fake_mnist_root}']
    bench = lambda *extra: subprocess.run(  # noqa: E731
        [sys.executable, 'tools/benchmark.py', *argv, *extra], cwd=REPO,
        capture_output=True, text=True, timeout=900)
    result = bench()
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    # Progress names each method/seed as it starts.
    assert 'CPSC seed 1' in result.stdout and 'DAFL seed 0' in result.stdout

    runs = json.loads((out / 'results.json').read_text())
    # Seed-major, so an interrupted benchmark still compares every method.
    assert [(r['method'], r['seed']) for r in runs] == [
        ('CPSC', 0), ('DAFL', 0), ('CPSC', 1), ('DAFL', 1)]
    for run in runs:
        assert 0 <= run['top1_final'] <= run['top1_best'] <= 100
        # The last checkpoint, evaluated once on the test set, per class too.
        assert 0 <= run['top1_test'] <= 100
        assert len(run['per_class_test']) == 10
        assert (out / 'runs' / run['method'] / f"seed{run['seed']}" /
                'test_metrics.json').is_file()
        assert run['wall_s'] > 0 and run['s_per_iter'] > 0
        assert run['peak_rss_mb'] > 100  # torch alone is bigger than that
        assert run['curve'][-1]['iter'] == run['iters'] >= 1
        # Only CPSC's generator is conditional: the teacher's agreement with
        # its labels is recorded for it alone.
        assert ('teacher_agreement_last_fifth' in run) == (
            run['method'] == 'CPSC')
        assert 0 <= run.get('teacher_agreement_last_fifth', 0) <= 1
        # ... and its last checkpoint drawn, one row of images per class.
        assert ('generator_grid' in run) == (run['method'] == 'CPSC')
        if 'generator_grid' in run:
            with Image.open(out / run['generator_grid']) as grid:
                # Ten images per row (the default), so ten rows: square.
                assert grid.width == grid.height > 100
        # Calibrated iterations fill the same time budget for each seed.
        same = [r['iters'] for r in runs if r['method'] == run['method']]
        assert len(set(same)) == 1
    # Each run's config carries the benchmark's settings, not the method's.
    cfg = Config.fromfile(out / 'runs' / 'DAFL' / 'seed1' / 'config.py')
    assert cfg.model.teachers.lenet5.ckpt_path == teacher_file
    assert cfg.randomness.seed == 1 and cfg.train_dataloader.batch_size == 20
    cfg = Config.fromfile(out / 'runs' / 'CPSC' / 'seed0' / 'config.py')
    assert cfg.model.teacher_ckpt == teacher_file
    assert not any(h['type'] == 'SyntheticGridHook' for h in cfg.custom_hooks)

    overhead = json.loads((out / 'overhead.json').read_text())
    assert overhead['method'] == 'CPSC' and overhead['ratio'] > 0
    # One bare-loop timing right before each CPSC run, paired with it.
    assert [p['seed'] for p in overhead['pairs']] == [0, 1]
    assert len(overhead['pair_ratios']) == 2
    assert (out / 'runs' / 'CPSC' / 'seed1' / 'bare_loop.json').is_file()
    table = (out / 'results.md').read_text()
    assert '| CPSC | 2 |' in table and '| DAFL | 2 |' in table
    reference = json.loads((out / 'references.json').read_text())
    assert 0 <= reference['teacher_top1_test'] <= 100
    assert len(reference['teacher_per_class_test']) == 10
    assert len(reference['classes']) == 10
    assert 'References on the same test set: teacher' in table
    assert 'The class each method loses most against the teacher: CPSC on' \
        in table
    assert 'Framework overhead' in table and 'Machine:' in table
    assert re.search(r'\| CPSC \| 1 \| [\d.]+ \| [\d.]+ \| [\d.]+ \| '
                     r'-?[\d.]+ \| [\d.]+ % \|', table), table
    assert re.search(r'\| DAFL \| 1 \| .* \| - \|', table), table
    assert (out / 'curves.png').stat().st_size > 10_000

    # An interrupted benchmark keeps its report: --report-only rebuilds both
    # files from what the run recorded as it went.
    (out / 'results.md').unlink()
    (out / 'curves.png').unlink()
    benchmark.main(['--report-only', '--out', os.fspath(out)])
    rebuilt = (out / 'results.md').read_text()
    rows = lambda text: [l for l in text.splitlines()  # noqa: E731
                         if l.startswith(('|', 'Framework', 'Command', 'Budget'))]
    assert rows(rebuilt) == rows(table)
    assert (out / 'curves.png').stat().st_size > 10_000

    # --resume after an interruption: the finished runs and the calibration
    # are kept, only the missing run trains.
    results = out / 'results.json'
    results.write_text(json.dumps(runs[:3]))
    before = {r['method'] + str(r['seed']): r['top1_final'] for r in runs[:3]}
    # --stop-by (the end of a session) starts no run that would overrun it:
    # DAFL's last run plus its evaluation does not fit into the next one to
    # two minutes, so nothing trains and the kept runs stay as they were.
    import datetime
    soon = datetime.datetime.now() + datetime.timedelta(minutes=2)
    result = bench('--resume', '--stop-by', f'{soon:%H:%M}')
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert 'stopping before DAFL seed 1' in result.stdout, result.stdout
    assert '3 of 4 runs done' in result.stdout
    assert 'benchmark: stopped after' in result.stdout
    assert len(json.loads(results.read_text())) == 3
    result = bench('--resume')
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert 'resuming' in result.stdout and 'timing' not in result.stdout
    assert '[4/4] DAFL seed 1' in result.stdout
    # The kept DAFL run's wall time gives the ETA at once.
    assert re.search(r'\[4/4\] DAFL seed 1, \d+ iterations; benchmark ETA '
                     r'\d+\.\d min', result.stdout), result.stdout
    assert 'CPSC seed 0,' not in result.stdout
    resumed = json.loads(results.read_text())
    assert [(r['method'], r['seed']) for r in resumed] == [
        ('CPSC', 0), ('DAFL', 0), ('CPSC', 1), ('DAFL', 1)]
    assert {r['method'] + str(r['seed']): r['top1_final']
            for r in resumed[:3]} == before
    # Resuming with other settings would mix two benchmarks: refused.
    result = bench('--resume', '--batch-size', '10')
    assert result.returncode != 0
    assert 'batch_size differ' in result.stdout + result.stderr
    # A method appended to a timed benchmark would need its own timing in
    # another machine state: refused (a fixed --iters budget allows it).
    result = bench('--resume', '--configs', *CONFIGS,
                   'configs/baselines/dfad_lenet5bn_lenet5half_mnist.py')
    assert result.returncode != 0
    assert 'cannot append DFAD to the timed benchmark' in result.stderr

    # A method whose first timing was off (e.g. taken beside another job) is
    # timed again and all its seeds rerun; its earlier runs are set aside,
    # and the record reaches the collected file's report.
    first = json.loads((out / 'benchmark.json').read_text())['iters']['DAFL']
    result = bench('--resume', '--recalibrate', 'DAFL')
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert 'timing DAFL again' in result.stdout
    assert 'DAFL seed 0' in result.stdout and 'DAFL seed 1' in result.stdout
    assert 'CPSC seed 0,' not in result.stdout
    record = json.loads((out / 'benchmark.json').read_text())
    assert record['recalibrated']['DAFL']['first'] == first
    assert record['recalibrated']['DAFL']['now'] == record['iters']['DAFL']
    assert (out / 'runs_first_timing' / 'DAFL' / 'seed1').is_dir()
    resumed = json.loads(results.read_text())
    assert sorted((r['method'], r['seed']) for r in resumed) == [
        ('CPSC', 0), ('CPSC', 1), ('DAFL', 0), ('DAFL', 1)]
    assert {r['iters'] for r in resumed if r['method'] == 'DAFL'} == {
        record['iters']['DAFL']}
    assert bench('--resume').returncode == 0  # the record is kept
    text = results_tables.render_benchmark(results_tables.collect_benchmark(
        os.fspath(out)))
    assert f'DAFL: iterations timed again alone ({first} -> ' in text

    # OUT lost (a new machine), its collected file committed: a new OUT
    # imports the finished runs, calibration and references, trains none.
    collected = tmp_path / 'collected.json'
    bundle = results_tables.collect_benchmark(os.fspath(out))
    # The grids' paths point into OUT, which the repository does not hold.
    assert any('generator_grid' in r for r in resumed)
    assert not any('generator_grid' in r for r in bundle['runs'])
    collected.write_text(json.dumps(bundle))
    argv[argv.index('--out') + 1] = os.fspath(tmp_path / 'bench_again')
    result = bench('--import-runs', os.fspath(collected))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert 'imported 4 finished runs' in result.stdout
    assert 'timing' not in result.stdout and '[1/4]' not in result.stdout
    again = json.loads((tmp_path / 'bench_again' / 'results.json').read_text())
    assert [(r['method'], r['seed'], r['top1_test']) for r in again] == [
        (r['method'], r['seed'], r['top1_test']) for r in resumed]
    # Runs that distilled other teacher weights are not comparable: refused.
    other = json.loads(collected.read_text())
    other['teacher_sha256'] = '0' * 16
    collected.write_text(json.dumps(other))
    argv[argv.index('--out') + 1] = os.fspath(tmp_path / 'bench_other')
    result = bench('--import-runs', os.fspath(collected))
    assert result.returncode != 0
    assert 'distilled a teacher with weights 0000' in result.stderr


def test_the_recorded_command_reproduces_the_results_not_the_session():
    argv = ['--suite', 'cifar10', '--minutes', '45', '--resume', '--stop-by',
            '17:42', '--out', 'work dir', '--stop-by=18:00']
    assert benchmark.recorded_command('benchmark', argv) == (
        "python tools/benchmark.py --suite cifar10 --minutes 45 --out "
        "'work dir'")
    # --only takes every name up to the next option, and only those.
    argv = ['--iters', '955', '--only', 'RAMP-FADE', 'RAMP-X20-FADE',
            '--seeds', '3', '--only=CPSC', '--names', 'A', 'B']
    assert benchmark.recorded_command('benchmark', argv) == (
        'python tools/benchmark.py --iters 955 --seeds 3 --names A B')


def test_only_the_missing_runs_of_the_named_methods_are_pending():
    jobs = [(name, f'{name}.py', seed) for seed in (1, 2, 3)
            for name in ('CPSC', 'RAMP', 'FADE')]
    runs = [dict(method=name, seed=1) for name in ('CPSC', 'RAMP', 'FADE')]
    runs.append(dict(method='FADE', seed=2))
    assert benchmark.pending_jobs(jobs, runs) == [
        ('CPSC', 'CPSC.py', 2), ('RAMP', 'RAMP.py', 2),
        ('CPSC', 'CPSC.py', 3), ('RAMP', 'RAMP.py', 3), ('FADE', 'FADE.py', 3)]
    assert benchmark.pending_jobs(jobs, runs, ['RAMP', 'FADE']) == [
        ('RAMP', 'RAMP.py', 2), ('RAMP', 'RAMP.py', 3), ('FADE', 'FADE.py', 3)]


def test_a_run_is_expected_to_last_as_long_as_its_methods_last_one():
    walls = {'CPSC': 600.0, 'DAFL': 900.0}
    after = benchmark.AFTER_RUN_S
    assert benchmark.expected_run_s('CPSC', walls, 10) == 600 + after
    # A method not run yet: the longest run so far, else the budget's guess.
    assert benchmark.expected_run_s('DFAD', walls, 10) == 900 + after
    assert benchmark.expected_run_s('DFAD', {}, 10) == 750 + after
    # An iteration budget with no run yet cannot be guessed beyond the
    # evaluation.
    assert benchmark.expected_run_s('DFAD', {}, None) == after


@pytest.mark.parametrize('argv, message', [
    (['--iters', '0'], '--iters must be positive'),
    (['--iters', '5', '--configs', 'configs/nope.py'], 'not found'),
    (['--iters', '5', '--names', 'A'], '--names has 1 entries'),
    (['--minutes', '1', '--recalibrate', 'CPSC'], '--recalibrate re-times'),
    (['--iters', '5', '--teacher-ckpt', '/no/such.pth'], 'no such file'),
    (['--iters', '5', '--only', 'CPSC'], '--only continues a benchmark'),
    (['--iters', '5', '--resume', '--only', 'CPSC', 'NOPE'],
     '--only NOPE: not a method of this benchmark (its methods: CPSC,'),
    # Moving the data without a teacher of that data would distil the
    # suite's own teacher: refused.
    (['--iters', '5', '--cfg-options',
      'val_dataloader.dataset.data_root=/my/data'],
     "trains the mnist suite's own teacher on its own data"),
])
def test_bad_arguments_are_named(argv, message, capsys, tmp_path):
    with pytest.raises(SystemExit):
        benchmark.parse_args([*argv, '--out', os.fspath(tmp_path)])
    assert message in capsys.readouterr().err


def test_a_grid_that_cannot_be_drawn_costs_a_warning_not_the_run(
        tmp_path, capsys):
    work_dir = tmp_path / 'runs' / 'CPSC' / 'seed0'
    work_dir.mkdir(parents=True)
    grid = benchmark.draw_generator_grid(
        osp.join(REPO, CONFIGS[0]), os.fspath(work_dir / 'iter_9.pth'),
        os.fspath(work_dir), os.fspath(tmp_path))
    assert grid is None
    assert 'kept without its grid' in capsys.readouterr().out
    assert 'iter_9.pth' in (work_dir / 'grid.log').read_text()


def test_methods_may_be_appended_to_a_fixed_iteration_budget():
    before = dict(configs=['a.py', 'b.py'], names=['A', 'B'], iters=955,
                  minutes=None, batch_size=256)
    now = dict(before, configs=['a.py', 'b.py', 'c.py'],
               names=['A', 'B', 'C'])
    assert benchmark.added_methods(before, now) == ['C']
    assert benchmark.added_methods(before, before) == []
    # Anything else changed, or the kept methods reordered: not an append.
    assert benchmark.added_methods(before, dict(now, batch_size=128)) == []
    assert benchmark.added_methods(before, dict(
        now, configs=['b.py', 'a.py', 'c.py'], names=['B', 'A', 'C'])) == []
    assert benchmark.added_methods(before, dict(
        now, configs=['a.py', 'x.py', 'c.py'])) == []


def test_appended_methods_may_bring_their_own_tuned_options():
    # --tuned-as CPSC gives each appended variant CPSC's tuned options.
    tuned = {'CPSC': {'lr': 0.03}, 'A': {'lr': 0.03}}
    before = dict(configs=['a.py'], names=['A'], iters=955,
                  tuned_options=tuned)
    now = dict(before, configs=['a.py', 'c.py'], names=['A', 'C'],
               tuned_options=dict(tuned, C={'lr': 0.03}))
    assert benchmark.added_methods(before, now) == ['C']
    # A kept method's options changed, or options for a method not
    # appended: the kept runs would not be comparable.
    moved = dict(now, tuned_options=dict(now['tuned_options'],
                                         A={'lr': 0.1}))
    assert benchmark.added_methods(before, moved) == []
    stranger = dict(now, tuned_options=dict(now['tuned_options'],
                                            X={'lr': 0.1}))
    assert benchmark.added_methods(before, stranger) == []


def test_a_resumed_fixed_budget_takes_appended_methods_at_that_budget():
    settings = dict(configs=['a.py'], names=['A'], iters=955, minutes=None)
    info = dict(settings=settings, iters={'A': 955}, budget='955 iterations',
                command='python tools/benchmark.py --configs a.py --iters 955')
    now = dict(settings, configs=['a.py', 'b.py'], names=['A', 'B'])
    argv = ['--configs', 'a.py', 'b.py', '--iters', '955', '--resume']
    iters, command, added = benchmark.resumed_budget(info, now, 955, argv,
                                                     'OUT')
    assert iters == {'A': 955, 'B': 955} and added == ['B']
    # The reported command reproduces every run in a fresh --out.
    assert command == ('python tools/benchmark.py --configs a.py b.py '
                       '--iters 955')
    # Nothing appended: the benchmark's own record stands.
    assert benchmark.resumed_budget(info, settings, 955, argv, 'OUT') == (
        info['iters'], info['command'], [])
    with pytest.raises(SystemExit, match='batch_size differ'):
        benchmark.resumed_budget(info, dict(settings, batch_size=8), 955,
                                 argv, 'OUT')
    timed = dict(info, settings=dict(settings, iters=None, minutes=10))
    with pytest.raises(SystemExit, match='cannot append B to the timed'):
        benchmark.resumed_budget(timed, dict(now, iters=None, minutes=10),
                                 None, argv, 'OUT')


def test_a_budget_is_required_unless_reporting(capsys, tmp_path):
    with pytest.raises(SystemExit):
        benchmark.parse_args(['--out', os.fspath(tmp_path)])
    assert 'one of --iters or --minutes' in capsys.readouterr().err
    with pytest.raises(SystemExit, match='no finished run'):
        benchmark.main(['--report-only', '--out', os.fspath(tmp_path)])


def test_iters_and_minutes_are_exclusive(capsys, tmp_path):
    with pytest.raises(SystemExit):
        benchmark.parse_args(['--iters', '5', '--minutes', '1', '--out',
                              os.fspath(tmp_path)])
    assert 'not allowed with' in capsys.readouterr().err


def test_cifar10_suite_and_tuned_options(tmp_path):
    tuned = tmp_path / 'tuning.json'
    best = {'DFAD': {'model.student_iter': 3}, 'DAFL': {}, 'ZSKT': {},
            'CPSC-PAPER': {},
            'CPSC': {'model.student_steps': 2,
                     'optim_wrapper.architecture.optimizer.lr': 0.05}}
    tuned.write_text(json.dumps(dict(suite='cifar10', seed=0,
                                     best_options=best)))
    args = benchmark.parse_args([
        '--suite', 'cifar10', '--iters', '4', '--out', os.fspath(tmp_path),
        '--tuned', os.fspath(tuned), '--cfg-options',
        'optim_wrapper.architecture.optimizer.lr=0.07'])
    assert args.configs == benchmark.SUITES['cifar10']['configs']
    names = [benchmark.method_name(c) for c in args.configs]
    assert names == ['CPSC', 'CPSC-PAPER', 'DAFL', 'DFAD', 'ZSKT']
    # Each method gets its own tuned options; --cfg-options win over them.
    assert benchmark.method_options(args, 'DFAD') == {
        'model.student_iter': 3,
        'optim_wrapper.architecture.optimizer.lr': 0.07}
    assert benchmark.method_options(args, 'DAFL') == {
        'optim_wrapper.architecture.optimizer.lr': 0.07}
    cfg, _ = benchmark.prepare_config(
        args.configs[0], benchmark.method_options(args, 'CPSC'),
        'teacher.pth', 4, 32, 2, 1, os.fspath(tmp_path / 'cpsc'))
    assert cfg.model.student_steps == 2
    assert cfg.optim_wrapper.architecture.optimizer.lr == 0.07
    assert cfg.train_cfg.val_interval == 2
    assert not any(h['type'] == 'SyntheticGridHook' for h in cfg.custom_hooks)


def test_variants_of_one_tuned_method_take_its_options(tmp_path, capsys):
    tuned = tmp_path / 'tuning.json'
    tuned.write_text(json.dumps(dict(
        suite='mnist', seed=0,
        methods=dict(CPSC=dict(config=CONFIGS[0]), DAFL=dict(config=CONFIGS[1])),
        best_options=dict(CPSC={'model.student_steps': 7},
                          DAFL={'model.distiller.distill_losses.loss_kl.tau':
                                2.0}))))
    variants = sorted(glob.glob(osp.join(
        REPO, 'configs', 'cpsc', 'variants', '*_mnist_*.py')))[:2]
    common = ['--iters', '4', '--out', os.fspath(tmp_path), '--tuned',
              os.fspath(tuned)]
    base = common + ['--configs', *variants, '--names', 'V1', 'V2']
    args = benchmark.parse_args(base + ['--tuned-as', 'CPSC'])
    assert benchmark.method_options(args, 'V2') == {'model.student_steps': 7}
    assert args.first_seed == 1
    # Tuned methods beside the variants keep their own options.
    mixed = common + ['--configs', *variants, CONFIGS[1], '--tuned-as',
                      'CPSC', '--names', 'V1', 'V2']
    args = benchmark.parse_args(mixed + ['DAFL'])
    assert benchmark.method_options(args, 'DAFL') == {
        'model.distiller.distill_losses.loss_kl.tau': 2.0}
    # Another algorithm under CPSC's options is refused before any run.
    with pytest.raises(SystemExit):
        benchmark.parse_args(mixed + ['OTHER'])
    assert 'OTHER' in capsys.readouterr().err
    # Renamed methods without --tuned-as would run untuned: refused.
    with pytest.raises(SystemExit):
        benchmark.parse_args(base)
    assert 'no options for V1, V2' in capsys.readouterr().err
    with pytest.raises(SystemExit):
        benchmark.parse_args(base + ['--tuned-as', 'ZSKT'])
    assert '--tuned-as ZSKT' in capsys.readouterr().err


@pytest.mark.parametrize('content, message', [
    (dict(suite='mnist', best_options={}), 'for the cifar10 suite'),
    (dict(suite='cifar10', best_options=dict(CPSC={})),
     'no options for CPSC-PAPER, DAFL, DFAD, ZSKT'),
])
def test_tuned_file_of_another_suite_or_partial_is_refused(
        content, message, tmp_path, capsys):
    tuned = tmp_path / 'tuning.json'
    tuned.write_text(json.dumps(content))
    with pytest.raises(SystemExit):
        benchmark.parse_args(['--suite', 'cifar10', '--iters', '4', '--out',
                              os.fspath(tmp_path), '--tuned',
                              os.fspath(tuned)])
    assert message in capsys.readouterr().err


def test_per_class_section_names_the_class_each_method_loses_most():
    reference = dict(teacher_top1_test=80.0, classes=['cat', 'dog', 'ship'],
                     teacher_per_class_test=[70.0, 80.0, 90.0])
    runs = [dict(method='A', seed=0, per_class_test=[60.0, 79.0, 88.0]),
            dict(method='A', seed=1, per_class_test=[62.0, 81.0, 86.0]),
            dict(method='B', seed=0, per_class_test=[70.0, 80.0, 50.0])]
    lines = benchmark.per_class_markdown(runs, reference)
    assert '| cat | 70.0 | 61.0 | 70.0 |' in lines
    assert lines[-1] == (
        'The class each method loses most against the teacher: A on **cat** '
        '(61.0 vs 70.0, -9.0 points); B on **ship** (50.0 vs 90.0, -40.0 '
        'points).')
    # Older result files without per-class data: no section, no error.
    assert benchmark.per_class_markdown(
        [dict(method='A', seed=0)], reference) == []
    assert benchmark.per_class_markdown(runs, dict(teacher_top1_test=1)) == []


def test_runs_finished_on_another_machine_are_named():
    run = dict(top1_test=90.0, top1_final=90.0, top1_best=91.0, iters=10,
               wall_s=1.0, s_per_iter=0.1, peak_rss_mb=500.0)
    runs = [dict(run, method='A', seed=1, machine='here'),
            dict(run, method='A', seed=2, machine='there'),
            dict(run, method='B', seed=1)]  # recorded before machines were
    text = benchmark.results_markdown(runs, None, 'cmd', '1 min',
                                      machine_text='here')
    assert 'Machine: here' in text
    assert 'Runs on another machine: A seed 2 on there.' in text
    assert 'B seed 1' not in text
    same = benchmark.results_markdown(runs[:1], None, 'cmd', '1 min',
                                      machine_text='here')
    assert 'another machine' not in same


def test_per_run_rows_show_the_last_checkpoints_cost_and_agreement():
    runs = [dict(method='A', seed=1, top1_test=97.0, top1_final=97.5,
                 top1_best=98.0, teacher_agreement_last_fifth=0.925),
            dict(method='B', seed=1, top1_final=90.0, top1_best=90.0)]
    lines = benchmark.per_run_markdown(runs)
    assert '| A | 1 | 97.00 | 97.50 | 98.00 | -0.50 | 92.5 % |' in lines
    assert '| B | 1 | - | 90.00 | 90.00 | 0.00 | - |' in lines
    scalars = [dict(iter=i, **{'gen.teacher_agreement': a})
               for i, a in ((10, 0.1), (50, 0.2), (90, 0.8), (100, 0.9))]
    # The last fifth of 100 iterations: 90 and 100.
    assert benchmark.agreement_last_fifth(scalars) == pytest.approx(0.85)
    assert benchmark.agreement_last_fifth([dict(iter=5, loss=1.0)]) is None


def test_only_configs_the_bare_loop_computes_are_its_reference(capsys):
    shipped = Config.fromfile(osp.join(REPO, CONFIGS[0]))
    assert benchmark.bare_loop_models('CPSC', shipped)
    variant = Config.fromfile(osp.join(
        REPO, 'configs', 'cpsc', 'variants',
        'cpsc_lenet5bn_lenet5half_mnist_gen-ce-ramp.py'))
    assert not benchmark.bare_loop_models('RAMP', variant)
    assert ('no bare-loop reference for RAMP: the loop does not model '
            'custom_hooks: LossWeightScheduleHook') in capsys.readouterr().out
    assert not benchmark.bare_loop_models(
        'DAFL', Config.fromfile(osp.join(REPO, CONFIGS[1])))


def test_a_parse_time_knob_in_the_options_is_refused(tmp_path):
    # Accepted, it would change nothing in the dumped config of every run.
    with pytest.raises(SystemExit, match='mnist_root is a value the config '
                       'copied'):
        benchmark.prepare_config(CONFIGS[0], {'mnist_root': '/my/data'},
                                 'teacher.pth', 4, 16, 2, 0,
                                 os.fspath(tmp_path))


def test_tuned_benchmark_reports_other_seeds_than_the_tuning(tmp_path,
                                                              capsys):
    best = {m: {} for m in ('CPSC', 'CPSC-PAPER', 'DAFL', 'DFAD', 'ZSKT')}
    tuned = tmp_path / 'tuning.json'
    tuned.write_text(json.dumps(dict(suite='cifar10', seed=0,
                                     best_options=best)))
    base = ['--suite', 'cifar10', '--iters', '4', '--seeds', '2', '--out',
            os.fspath(tmp_path)]
    assert benchmark.parse_args(base).first_seed == 0
    # The tuning picked each method's run at seed 0: report seeds 1 and 2.
    assert benchmark.parse_args(
        base + ['--tuned', os.fspath(tuned)]).first_seed == 1
    assert benchmark.parse_args(
        base + ['--tuned', os.fspath(tuned), '--first-seed', '5']
    ).first_seed == 5
    with pytest.raises(SystemExit):
        benchmark.parse_args(base + ['--tuned', os.fspath(tuned),
                                     '--first-seed', '0'])
    err = capsys.readouterr().err
    assert 'ran every trial with seed 0' in err
    assert 'Use --first-seed 1' in err


def test_head_start_of_either_kind_is_timed_after():
    # CPSC's built-in head start and the hook's, for MMRazor's algorithms:
    # the calibration skips whichever is longer, with the hook's default
    # when the config leaves it out.
    cfg = Config(dict(model=dict(student_start_iter=5), custom_hooks=[
        dict(type='ChannelsLastHook'),
        dict(type='mmrazor.GeneratorHeadStartHook', student_start_iter=7)]))
    assert benchmark.head_start_iters(cfg) == 7
    cfg = Config(dict(model=dict(type='DAFLDataFreeDistillation'),
                      custom_hooks=[dict(type='GeneratorHeadStartHook')]))
    from mmrazor_cpsc.engine.hooks import GeneratorHeadStartHook
    assert benchmark.head_start_iters(cfg) == \
        GeneratorHeadStartHook().student_start_iter > 0
    assert benchmark.head_start_iters(Config(dict(model=dict()))) == 0


def test_curve_labels_count_each_methods_own_seeds():
    # A benchmark in progress, its seeds numbered from 1: the legend says
    # how many runs each curve averages, not the highest seed plus one.
    runs = [dict(method='CPSC', seed=1), dict(method='CPSC', seed=2)]
    assert benchmark.curve_label('CPSC', runs) == 'CPSC (2 seeds)'
    assert benchmark.curve_label('DFAD', runs[1:]) == 'DFAD (1 seed)'
