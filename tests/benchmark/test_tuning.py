"""The tuning study: search spaces checked, trial 0 as shipped, methods in
turns, and a real tuning through tools/tune.py resumed and imported."""
import argparse
import json
import os
import os.path as osp

import pytest
import torch
from conftest import (REPO, TEACHER_CONFIG, load_script, mnist_val_options,
                      run_tool)
from mmengine.config import Config
from mmpretrain.registry import MODELS as PRETRAIN_MODELS

from mmrazor_cpsc.benchmark import tuning as tune
from mmrazor_cpsc.benchmark.suites import SUITES, method_name

SPACES = 'configs/tuning/cifar10_search_spaces.py'
MNIST_SPACES = 'configs/tuning/mnist_search_spaces.py'


def test_two_trials_then_resume_then_import(tmp_path, fake_mnist_root,
                                            capsys):
    torch.manual_seed(0)
    teacher_file = os.fspath(tmp_path / 'teacher.pth')
    torch.save(PRETRAIN_MODELS.build(
        Config.fromfile(TEACHER_CONFIG).model).state_dict(), teacher_file)
    out = tmp_path / 'tune'
    argv = [MNIST_SPACES, '--methods', 'DFAD', '--minutes', '0.01',
            '--calibration-iters', '3', '--batch-size', '20',
            '--teacher-ckpt', teacher_file, '--out', os.fspath(out),
            '--cfg-options', *mnist_val_options(fake_mnist_root),
            'val_dataloader.batch_size=20']
    def run(*extra):
        return run_tool('tune', *argv, *extra)

    # The tool as a script once; then in this process (the same code
    # without another interpreter's start-up).
    result = run('--trials', '2')
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[
        -3000:]
    tuning = json.loads((out / 'tuning.json').read_text())
    dfad = tuning['methods']['DFAD']
    assert [t['number'] for t in dfad['trials']] == [0, 1]
    shipped = Config.fromfile(osp.join(
        REPO, 'configs', 'baselines', 'dfad_lenet5bn_lenet5half_mnist.py'))
    # Trial 0 is the config as shipped.
    assert dfad['trials'][0]['values'] == dict(
        student_lr=shipped.optim_wrapper.architecture.optimizer.lr,
        generator_lr=shipped.optim_wrapper.generator.optimizer.lr,
        student_iter=shipped.model.student_iter)
    for trial in dfad['trials']:
        for knob, dist in dfad['space'].items():
            assert dist['low'] <= trial['values'][knob] <= dist['high']
        assert 0 <= trial['top1_val'] <= 100 and trial['iters'] >= 1
    # The sampler moved away from the shipped values.
    assert dfad['trials'][1]['values'] != dfad['trials'][0]['values']
    best = max(dfad['trials'], key=lambda t: t['top1_val'])
    assert dfad['best']['number'] == best['number']
    # best_options: the tuned keys only, ready for benchmark.py --tuned
    assert set(tuning['best_options']['DFAD']) == {
        'optim_wrapper.architecture.optimizer.lr',
        'optim_wrapper.generator.optimizer.lr', 'model.student_iter'}
    # Each trial's config carries its values.
    cfg = Config.fromfile(out / 'trials' / 'DFAD' / 'trial1' / 'config.py')
    assert cfg.model.student_iter == dfad['trials'][1]['values'][
        'student_iter']
    table = (out / 'tuning.md').read_text()
    assert '**DFAD**' in table and '| 0' in table and '| 1' in table

    # Same command with one more trial: the two finished trials are kept.
    tool = load_script('tools', 'tune')
    capsys.readouterr()
    tool.main([*argv, '--trials', '3'])
    log = capsys.readouterr().out
    assert 'DFAD trial 0' not in log and 'DFAD trial 2' in log
    tuning = json.loads((out / 'tuning.json').read_text())
    trials = tuning['methods']['DFAD']['trials']
    assert [t['number'] for t in trials] == [0, 1, 2]
    # The restarted sampler draws new values, not trial 1's again.
    assert trials[2]['values'] != trials[1]['values']
    # Every trial records the teacher it ran with.
    assert {t['teacher_sha256'] for t in trials} == {
        tuning['teacher']['weights_sha256']}
    # Another budget in the same study is refused, not mixed in.
    args = argparse.Namespace(minutes=0.02, seed=0, batch_size=20,
                              cfg_options={})
    spec = tune.load_spaces(MNIST_SPACES, ['DFAD'])['methods']['DFAD']
    with pytest.raises(SystemExit, match='another budget'):
        tune.open_study(args, 'DFAD', spec, teacher_file, os.fspath(out))

    # The study lost (a new machine), its tuning.json kept: a new OUT
    # imports the finished trials and runs none of them again.
    committed = tmp_path / 'committed_tuning.json'
    committed.write_text((out / 'tuning.json').read_text())
    out = tmp_path / 'tune_again'
    argv[argv.index('--out') + 1] = os.fspath(out)
    # The tiny config's milliseconds per iteration are too noisy for the
    # default tolerance; the next test tests the check itself.
    tool.main([*argv, '--trials', '3', '--import-trials',
               os.fspath(committed), '--import-speed-tolerance', '50'])
    log = capsys.readouterr().out
    assert 'DFAD trial 2 imported' in log
    assert 'validation top-1' not in log  # nothing trained
    again = json.loads((out / 'tuning.json').read_text())
    kept = again['methods']['DFAD']
    assert [(t['number'], t['values'], t['top1_val']) for t in kept[
        'trials']] == [(t['number'], t['values'], t['top1_val'])
                       for t in trials]
    assert {t['imported_from'] for t in kept['trials']} == {
        os.fspath(committed)}
    assert again['best_options'] == tuning['best_options']
    assert 'imported from' in (out / 'tuning.md').read_text()


def test_trials_timed_elsewhere_must_match_this_machines_speed():
    # Trials timed on a far slower machine got fewer iterations for their
    # minutes: not the same budget, refused.
    probe = dict(number=0, s_per_iter=2.0)
    assert tune.speed_mismatch('DFAD', probe, 2.4, 1.0, 1.25) is None
    assert tune.speed_mismatch('DFAD', probe, 1.7, 1.0, 1.25) is None
    problem = tune.speed_mismatch('DFAD', probe, 0.02, 1.0, 1.25)
    assert 'ran at 2.00 s/iter (trial 0)' in problem
    assert '0.02 s/iter (0.01x)' in problem
    assert 'would not share a budget' in problem
    assert tune.speed_mismatch('DFAD', probe, 3.0, 1.0, 1.25) is not None


def test_trials_of_another_teacher_or_budget_are_not_imported():
    spec = dict(config='c.py', space=dict(lr=dict(type='float', low=0.1,
                                                  high=1.0, keys=['k'])))
    trial = dict(number=0, values=dict(lr=0.5), options={'k': 0.5},
                 teacher_sha256='feedbeef')
    source = dict(minutes=1.0, seed=0, batch_size=20, methods=dict(
        DFAD=dict(config='c.py', space=spec['space'], trials=[trial])))
    budget = dict(minutes=1.0, seed=0, batch_size=20, cfg_options={})
    assert tune.importable_trials(source, 'f.json', 'DFAD', spec, budget,
                                  'feedbeef') == [dict(
                                      trial, imported_from='f.json')]
    assert tune.importable_trials(source, 'f.json', 'ZSKT', spec, budget,
                                  'feedbeef') == []
    with pytest.raises(SystemExit, match='hash to feedbeef'):
        tune.importable_trials(source, 'f.json', 'DFAD', spec, budget, 'x')
    with pytest.raises(SystemExit, match='same --minutes'):
        tune.importable_trials(source, 'f.json', 'DFAD', spec,
                               dict(budget, minutes=2.0), 'feedbeef')
    with pytest.raises(SystemExit, match='same --cfg-options'):
        tune.importable_trials(source, 'f.json', 'DFAD', spec,
                               dict(budget, cfg_options={'o': 1}),
                               'feedbeef')
    with pytest.raises(SystemExit, match='another config or search space'):
        tune.importable_trials(source, 'f.json', 'DFAD',
                               dict(spec, config='d.py'), budget, 'feedbeef')


def test_space_errors_are_named(tmp_path):
    bad = tmp_path / 'spaces.py'
    bad.write_text(
        "suite = 'cifar10'\n"
        "methods = dict(DFAD=dict(\n"
        "    config='configs/baselines/dfad_wrn16-2_wrn16-1_cifar10.py',\n"
        "    space=dict(lr=dict(type='float', low=0.5, high=1.0,\n"
        "        keys=['optim_wrapper.architecture.optimizer.lr']),\n"
        "        typo=dict(type='int', low=1, high=3,\n"
        "        keys=['model.student_iters']))))\n")
    with pytest.raises(SystemExit, match='outside'):
        tune.load_spaces(os.fspath(bad))
    bad.write_text(bad.read_text().replace('low=0.5', 'low=0.01'))
    with pytest.raises(SystemExit, match="'model.student_iters' does not"):
        tune.load_spaces(os.fspath(bad))
    with pytest.raises(SystemExit, match='not in'):
        tune.load_spaces(SPACES, ['NOPE'])


def test_tuning_on_the_test_set_is_refused():
    mnist = Config.fromfile(osp.join(REPO, 'configs', 'cpsc',
                                     'cpsc_lenet5bn_lenet5half_mnist.py'))
    on_test = {'val_dataloader.dataset': dict(
        mnist.test_dataloader.dataset.to_dict(), _delete_=True)}
    with pytest.raises(SystemExit, match='validates on its test set'):
        tune.load_spaces(osp.join(REPO, 'configs', 'tuning',
                                  'mnist_search_spaces.py'), options=on_test)


@pytest.mark.parametrize('suite', ['cifar10', 'mnist'])
def test_shipped_spaces_are_valid(suite):
    # Both suites validate on held-out training images as shipped.
    spaces = tune.load_spaces(osp.join(
        REPO, 'configs', 'tuning', f'{suite}_search_spaces.py'))
    assert spaces['suite'] == suite
    # CIFAR-10 also tunes the paper's CPSC beside our default.
    assert sorted(spaces['methods']) == sorted(
        ['CPSC', 'DAFL', 'DFAD', 'ZSKT'] +
        (['CPSC-PAPER'] if suite == 'cifar10' else []))
    if suite == 'cifar10':  # the names the benchmark gives the suite
        assert sorted(spaces['methods']) == sorted(
            method_name(c)
            for c in SUITES['cifar10']['configs'])
    # Every method is tuned over its learning rates and updates per step.
    for method in spaces['methods'].values():
        assert {'student_lr', 'generator_lr'} <= set(method['space'])


def test_the_shipped_config_is_queued_once_and_again_only_if_killed():
    import optuna
    defaults = dict(student_lr=0.1, student_iter=5)
    study = optuna.create_study(direction='maximize')
    waiting = lambda: [t for t in study.trials  # noqa: E731
                       if t.state == optuna.trial.TrialState.WAITING]
    # Each start of tune.py opens the study; the first trial waits once.
    tune.queue_shipped_config(study, defaults)
    tune.queue_shipped_config(study, defaults)
    assert len(waiting()) == 1
    trial = study.ask()
    assert trial.number == 0
    assert trial.suggest_float('student_lr', 0.01, 1.0) == 0.1
    # Killed mid-run (failed): queued again on the next start.
    study.tell(trial, state=optuna.trial.TrialState.FAIL)
    tune.queue_shipped_config(study, defaults)
    assert len(waiting()) == 1
    trial = study.ask()
    trial.suggest_float('student_lr', 0.01, 1.0)
    trial.suggest_int('student_iter', 1, 10)
    study.tell(trial, 20.0)
    # Finished: never queued again.
    tune.queue_shipped_config(study, defaults)
    assert waiting() == []


def test_methods_take_turns_so_a_cut_tuning_stays_equal():
    order, finished = [], {'CPSC': 0, 'DAFL': 0, 'DFAD': 0}
    while (name := tune.next_method(finished, 2)) is not None:
        order.append(name)
        finished[name] += 1
    assert order == ['CPSC', 'DAFL', 'DFAD'] * 2
    # Resumed with one method ahead (e.g. its trials imported): the others
    # catch up first.
    assert tune.next_method({'CPSC': 2, 'DAFL': 1, 'DFAD': 0}, 4) == 'DFAD'
    assert tune.next_method({'CPSC': 2, 'DAFL': 1, 'DFAD': 1}, 4) == 'DAFL'
    assert tune.next_method({'CPSC': 4, 'DAFL': 4}, 4) is None
