"""tools/tune.py end to end on the tiny CIFAR-10: Optuna trials through the
real Runner, trial 0 as shipped, validation (never test) scores, resume."""
import json
import os
import os.path as osp
import statistics
import subprocess
import sys

import pytest
import torch
from conftest import REPO
from mmengine.config import Config
from mmpretrain.registry import MODELS as PRETRAIN_MODELS

sys.path.insert(0, osp.join(REPO, 'tools'))
import benchmark  # noqa: E402
import tune  # noqa: E402

SPACES = 'configs/tuning/cifar10_search_spaces.py'


@pytest.fixture(scope='module')
def teacher_file(tmp_path_factory):
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'teachers',
                                   'wrn16_2_cifar10.py'))
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp('teacher') / 'wrn16_2.pth'
    torch.save(PRETRAIN_MODELS.build(cfg.model).state_dict(), path)
    return os.fspath(path)


def test_two_trials_then_resume_adds_only_the_missing_one(
        tmp_path, tiny_cifar10_root, teacher_file):
    out = tmp_path / 'tune'
    argv = [SPACES, '--methods', 'DFAD', '--minutes', '0.01',
            '--calibration-iters', '3', '--batch-size', '20',
            '--teacher-ckpt', teacher_file, '--out', os.fspath(out),
            '--cfg-options',
            f'val_dataloader.dataset.dataset.data_root={tiny_cifar10_root}',
            'val_dataloader.dataset.per_class=2']
    run = lambda *extra: subprocess.run(  # noqa: E731
        [sys.executable, 'tools/tune.py', *argv, *extra], cwd=REPO,
        capture_output=True, text=True, timeout=600,
        env=dict(os.environ, OMP_NUM_THREADS='1'))
    result = run('--trials', '2')
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    tuning = json.loads((out / 'tuning.json').read_text())
    dfad = tuning['methods']['DFAD']
    assert [t['number'] for t in dfad['trials']] == [0, 1]
    shipped = Config.fromfile(osp.join(
        REPO, 'configs', 'baselines', 'dfad_wrn16-2_wrn16-1_cifar10.py'))
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
    result = run('--trials', '3')
    assert result.returncode == 0, result.stderr[-3000:]
    assert 'DFAD trial 0' not in result.stdout
    assert 'DFAD trial 2' in result.stdout
    tuning = json.loads((out / 'tuning.json').read_text())
    trials = tuning['methods']['DFAD']['trials']
    assert [t['number'] for t in trials] == [0, 1, 2]
    # The restarted sampler draws new values, not trial 1's again.
    assert trials[2]['values'] != trials[1]['values']
    # A trial that would not end by --stop-by is not started; the study
    # stays as it was for the same command later.
    import datetime
    # (1-2 minutes away: less than the first trial's guess of ~2 min.)
    soon = datetime.datetime.now() + datetime.timedelta(minutes=2)
    result = run('--trials', '4', '--stop-by', f'{soon:%H:%M}')
    assert result.returncode == 0, result.stderr[-3000:]
    assert "stopping before DFAD's next trial" in result.stdout
    assert len(json.loads((out / 'tuning.json').read_text())['methods'][
        'DFAD']['trials']) == 3
    # Another budget in the same study is refused, not mixed in.
    result = run('--trials', '3', '--minutes', '0.02')
    assert result.returncode != 0
    assert 'another budget' in result.stdout + result.stderr
    # Every trial records the teacher it ran with.
    assert {t['teacher_sha256'] for t in trials} == {
        tuning['teacher']['weights_sha256']}

    # The study lost (a new machine), its tuning.json kept: a new OUT
    # imports the finished trials and runs none of them again.
    committed = tmp_path / 'committed_tuning.json'
    committed.write_text((out / 'tuning.json').read_text())
    out = tmp_path / 'tune_again'
    argv[argv.index('--out') + 1] = os.fspath(out)
    # Trials timed on a far slower machine got fewer iterations for their
    # minutes: not the same budget, refused.
    slower = json.loads(committed.read_text())
    for trial in slower['methods']['DFAD']['trials']:
        trial['s_per_iter'] *= 100
    doctored = tmp_path / 'slower_machine_tuning.json'
    doctored.write_text(json.dumps(slower))
    result = run('--trials', '3', '--import-trials', os.fspath(doctored))
    assert result.returncode != 0
    assert 'would not share a budget' in result.stdout + result.stderr
    # The tiny config's milliseconds per iteration are too noisy for the
    # default tolerance; the check itself is what the refusal above tests.
    result = run('--trials', '3', '--import-trials', os.fspath(committed),
                 '--import-speed-tolerance', '50')
    assert result.returncode == 0, result.stderr[-3000:]
    assert 'validation top-1' not in result.stdout  # nothing trained
    again = json.loads((out / 'tuning.json').read_text())
    kept = again['methods']['DFAD']
    assert [(t['number'], t['values'], t['top1_val']) for t in kept[
        'trials']] == [(t['number'], t['values'], t['top1_val'])
                       for t in trials]
    assert {t['imported_from'] for t in kept['trials']} == {
        os.fspath(committed)}
    assert again['best_options'] == tuning['best_options']
    assert 'imported from' in (out / 'tuning.md').read_text()
    # Trials that distilled another teacher are not one study with these.
    other = json.loads(committed.read_text())
    other['methods']['DFAD']['trials'][0]['teacher_sha256'] = 'feedbeef'
    doctored.write_text(json.dumps(other))
    result = run('--trials', '3', '--import-trials', os.fspath(doctored))
    assert result.returncode != 0
    assert 'hash to feedbeef' in result.stdout + result.stderr
    # Trials of another budget are not imported as if comparable.
    result = run('--trials', '3', '--minutes', '0.02', '--import-trials',
                 os.fspath(committed))
    assert result.returncode != 0
    assert 'same --minutes' in result.stdout + result.stderr


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
            benchmark.method_name(c)
            for c in benchmark.SUITES['cifar10']['configs'])
    # Every method is tuned over its learning rates and updates per step.
    for method in spaces['methods'].values():
        assert {'student_lr', 'generator_lr'} <= set(method['space'])


def test_other_data_without_a_teacher_is_refused(capsys, tmp_path):
    with pytest.raises(SystemExit):
        tune.parse_args([os.path.join(REPO, 'configs', 'tuning',
                                      'cifar10_search_spaces.py'),
                         '--out', os.fspath(tmp_path), '--cfg-options',
                         'val_dataloader.dataset.data_root=/my/data'])
    err = capsys.readouterr().err
    assert "every trial trains the suite's own teacher" in err


def test_calibration_times_cpsc_after_its_generator_head_start(
        tmp_path, tiny_cifar10_root, teacher_file):
    # Head-start iterations skip the student and are cheaper: timing them
    # would give CPSC more iterations than the budget holds.
    work = tmp_path / 'calibration'
    options = {'model.student_start_iter': 3,
               'val_dataloader.dataset.dataset.data_root': tiny_cifar10_root,
               'val_dataloader.dataset.per_class': 2}
    iters, s_per_iter = benchmark.iterations_in(
        1.0, 'CPSC calibration', 'configs/cpsc/cpsc_wrn16-2_wrn16-1_cifar10.py',
        options, teacher_file, 3, 20, 0, os.fspath(work))
    times = json.loads((work / 'timeline.json').read_text())['iter_times_s']
    assert len(times) == 3 + 3
    # After the head start, the first two (allocator warm-up) are dropped.
    assert s_per_iter == statistics.median(times[3 + 2:])
    assert iters == int(60 / s_per_iter)


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


def test_stop_by_starts_no_trial_that_would_overrun(capsys, tmp_path):
    import datetime
    soon = datetime.datetime.now() + datetime.timedelta(minutes=30)
    # Before any trial: 1.25 x its minutes + 2 min must fit.
    assert tune.trial_fits(soon, 10, [])
    assert not tune.trial_fits(soon, 25, [])
    # After trials: the longest one so far must fit, and never less than
    # the guess (the next method may cost more than the ones so far).
    assert not tune.trial_fits(soon, 10, [1900.0, 600.0])
    assert not tune.trial_fits(soon, 25, [60.0])
    assert tune.trial_fits(soon, 10, [900.0])
    assert tune.trial_fits(None, 10_000, [])
    later = datetime.datetime.now() + datetime.timedelta(hours=2)
    assert tune.stop_time(f'{later:%H:%M}') > datetime.datetime.now()
    # A time that has just passed is a slip, not tomorrow: refused.
    just_passed = datetime.datetime.now() - datetime.timedelta(minutes=5)
    with pytest.raises(SystemExit):
        tune.parse_args([SPACES, '--out', os.fspath(tmp_path),
                         '--stop-by', f'{just_passed:%H:%M}'])
    assert 'it has passed today' in capsys.readouterr().err
    with pytest.raises(SystemExit):
        tune.parse_args([SPACES, '--out', os.fspath(tmp_path),
                         '--stop-by', '5pm'])
    assert "'5pm' is not a time of day as HH:MM" in capsys.readouterr().err
