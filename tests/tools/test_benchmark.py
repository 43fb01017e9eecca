"""tools/benchmark.py's command line: every bad combination of arguments
is named before anything runs, and --tuned gives each method its options."""
import glob
import json
import os
import os.path as osp

import pytest
from conftest import REPO, load_script

from mmrazor_cpsc.benchmark.runs import method_options, prepare_config
from mmrazor_cpsc.benchmark.suites import SUITES, method_name

CONFIGS = ['configs/cpsc/cpsc_lenet5bn_lenet5half_mnist.py',
           'configs/baselines/dafl_lenet5bn_lenet5half_mnist.py']



benchmark = load_script('tools', 'benchmark')


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
    assert args.configs == SUITES['cifar10']['configs']
    names = [method_name(c) for c in args.configs]
    assert names == ['CPSC', 'CPSC-PAPER', 'DAFL', 'DFAD', 'ZSKT']
    # Each method gets its own tuned options; --cfg-options win over them.
    assert method_options(args, 'DFAD') == {
        'model.student_iter': 3,
        'optim_wrapper.architecture.optimizer.lr': 0.07}
    assert method_options(args, 'DAFL') == {
        'optim_wrapper.architecture.optimizer.lr': 0.07}
    cfg, _ = prepare_config(
        args.configs[0], method_options(args, 'CPSC'),
        'teacher.pth', 4, 32, 2, 1, os.fspath(tmp_path / 'cpsc'))
    assert cfg.model.student_steps == 2
    assert cfg.optim_wrapper.architecture.optimizer.lr == 0.07
    assert cfg.train_cfg.val_interval == 2
    assert not any(h['type'] == 'SyntheticGridHook' for h in cfg.custom_hooks)


def test_variants_of_one_tuned_method_take_its_options(tmp_path, capsys):
    tuned = tmp_path / 'tuning.json'
    tuned.write_text(json.dumps(dict(
        suite='mnist', seed=0,
        methods=dict(CPSC=dict(config=CONFIGS[0]),
                     DAFL=dict(config=CONFIGS[1])),
        best_options=dict(CPSC={'model.student_steps': 7},
                          DAFL={'model.distiller.distill_losses.loss_kl.tau':
                                2.0}))))
    variants = sorted(glob.glob(osp.join(
        REPO, 'configs', 'cpsc', 'variants', '*_mnist_*.py')))[:2]
    common = ['--iters', '4', '--out', os.fspath(tmp_path), '--tuned',
              os.fspath(tuned)]
    base = common + ['--configs', *variants, '--names', 'V1', 'V2']
    args = benchmark.parse_args(base + ['--tuned-as', 'CPSC'])
    assert method_options(args, 'V2') == {'model.student_steps': 7}
    assert args.first_seed == 1
    # Tuned methods beside the variants keep their own options.
    mixed = common + ['--configs', *variants, CONFIGS[1], '--tuned-as',
                      'CPSC', '--names', 'V1', 'V2']
    args = benchmark.parse_args(mixed + ['DAFL'])
    assert method_options(args, 'DAFL') == {
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
