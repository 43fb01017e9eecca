"""Minutes -> iterations and session end times."""
import argparse
import datetime
import json
import os
import statistics

import pytest
import torch
from conftest import TEACHER_CONFIG, mnist_val_options
from mmengine.config import Config
from mmpretrain.registry import MODELS as PRETRAIN_MODELS

from mmrazor_cpsc.benchmark.budget import (AFTER_RUN_S, expected_run_s,
                                           head_start_iters, recalibrate,
                                           stop_time, trial_fits)

CPSC_MNIST = 'configs/cpsc/cpsc_lenet5bn_lenet5half_mnist.py'


def test_a_run_is_expected_to_last_as_long_as_its_methods_last_one():
    walls = {'CPSC': 600.0, 'DAFL': 900.0}
    after = AFTER_RUN_S
    assert expected_run_s('CPSC', walls, 10) == 600 + after
    # A method not run yet: the longest run so far, else the budget's guess.
    assert expected_run_s('DFAD', walls, 10) == 900 + after
    assert expected_run_s('DFAD', {}, 10) == 750 + after
    # An iteration budget with no run yet cannot be guessed beyond the
    # evaluation.
    assert expected_run_s('DFAD', {}, None) == after


def test_head_start_of_either_kind_is_timed_after():
    # CPSC's built-in head start and the hook's, for MMRazor's algorithms:
    # the calibration skips whichever is longer, with the hook's default
    # when the config leaves it out.
    cfg = Config(dict(model=dict(student_start_iter=5), custom_hooks=[
        dict(type='ChannelsLastHook'),
        dict(type='mmrazor.GeneratorHeadStartHook', student_start_iter=7)]))
    assert head_start_iters(cfg) == 7
    cfg = Config(dict(model=dict(type='DAFLDataFreeDistillation'),
                      custom_hooks=[dict(type='GeneratorHeadStartHook')]))
    from mmrazor_cpsc.engine.hooks import GeneratorHeadStartHook
    assert head_start_iters(cfg) == \
        GeneratorHeadStartHook().student_start_iter > 0
    assert head_start_iters(Config(dict(model=dict()))) == 0


def test_stop_by_starts_nothing_that_would_overrun():
    soon = datetime.datetime.now() + datetime.timedelta(minutes=30)
    # Before any trial: 1.25 x its minutes + 2 min must fit.
    assert trial_fits(soon, 10, [])
    assert not trial_fits(soon, 25, [])
    # After trials: the longest one so far must fit, and never less than
    # the guess (the next method may cost more than the ones so far).
    assert not trial_fits(soon, 10, [1900.0, 600.0])
    assert not trial_fits(soon, 25, [60.0])
    assert trial_fits(soon, 10, [900.0])
    assert trial_fits(None, 10_000, [])
    later = datetime.datetime.now() + datetime.timedelta(hours=2)
    assert stop_time(f'{later:%H:%M}') > datetime.datetime.now()
    # A time that has just passed is a slip, not tomorrow: refused.
    just_passed = datetime.datetime.now() - datetime.timedelta(minutes=5)
    with pytest.raises(argparse.ArgumentTypeError, match='it has passed'):
        stop_time(f'{just_passed:%H:%M}')
    with pytest.raises(argparse.ArgumentTypeError,
                       match="'5pm' is not a time of day as HH:MM"):
        stop_time('5pm')


def test_a_method_timed_again_after_its_head_start_reruns_its_seeds(
        tmp_path, fake_mnist_root):
    # Head-start iterations skip the student and are cheaper: timing them
    # would buy the method more iterations than the budget holds.
    torch.manual_seed(0)
    teacher = tmp_path / 'teacher.pth'
    torch.save(PRETRAIN_MODELS.build(
        Config.fromfile(TEACHER_CONFIG).model).state_dict(), teacher)
    options = dict(o.split('=', 1) for o in mnist_val_options(
        fake_mnist_root))
    options.update({'model.student_start_iter': 3,
                    'val_dataloader.dataset.per_class': 2,
                    'model.generator.hidden_channels': 8})
    args = argparse.Namespace(configs=[CPSC_MNIST], minutes=0.5,
                              calibration_iters=3, batch_size=16,
                              tuned_options={}, cfg_options=options)
    out = tmp_path / 'bench'
    (out / 'runs' / 'CPSC' / 'seed0').mkdir(parents=True)
    runs = [dict(method='CPSC', seed=0, s_per_iter=1.0, iters=30),
            dict(method='DAFL', seed=0, s_per_iter=1.0, iters=30)]
    iters, recalibrated = dict(CPSC=30, DAFL=30), {}
    runs, pairs = recalibrate(args, 'CPSC', ['CPSC'], iters, runs,
                              [dict(method='CPSC', seed=0)], recalibrated,
                              os.fspath(teacher), os.fspath(out))
    work = out / 'calibration' / 'CPSC_again'
    times = json.loads((work / 'timeline.json').read_text())['iter_times_s']
    assert len(times) == 3 + 3
    # After the head start, the first two (allocator warm-up) are dropped.
    s_per_iter = statistics.median(times[3 + 2:])
    assert iters['CPSC'] == int(30 / s_per_iter)
    assert iters['DAFL'] == 30
    # Its runs at the first count are set aside and run again; the record
    # says both counts and why.
    assert [r['method'] for r in runs] == ['DAFL'] and pairs == []
    assert (out / 'runs_first_timing' / 'CPSC' / 'seed0').is_dir()
    assert recalibrated['CPSC']['first'] == 30
    assert recalibrated['CPSC']['now'] == iters['CPSC']
    assert 'timed again alone over 3 iterations' in recalibrated['CPSC'][
        'why']
    with pytest.raises(SystemExit, match='--recalibrate NOPE: no such'):
        recalibrate(args, 'NOPE', ['CPSC'], iters, runs, [], {}, 'x', 'y')
