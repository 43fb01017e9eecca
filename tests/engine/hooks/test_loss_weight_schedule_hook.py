"""LossWeightScheduleHook: the named loss's weight follows its schedule on
the real algorithm and through the real Runner (logged per iteration), depends
on the iteration alone (so a resumed run agrees), and wrong paths or losses
without a weight are refused by name."""
import json
import math
import os
import os.path as osp
from types import SimpleNamespace

import pytest
from conftest import (MNIST_CONFIG, build_algorithm, mnist_val_options,
                      save_random_teacher, small_mnist_cfg, train_here)
from mmengine.logging import MessageHub
from mmrazor.registry import HOOKS

GEN_CE = 'generator_distiller.distill_losses.loss_ce'
GEN_KL = 'generator_distiller.distill_losses.loss_adv_kl'


def runner_at(model, iteration, max_iters=10):
    return SimpleNamespace(model=model, iter=iteration, max_iters=max_iters,
                           message_hub=MessageHub.get_instance(
                               'loss_weight_schedule_test'))


def weights_over(hook, model, iterations, max_iters=10):
    hook.before_run(runner_at(model, 0, max_iters))
    seen = []
    for i in iterations:
        hook.before_train_iter(runner_at(model, i, max_iters), i)
        seen.append(model.get_submodule(GEN_CE).loss_weight)
    return seen


def test_linear_and_cosine_schedules_on_the_algorithm():
    model, _ = build_algorithm(small_mnist_cfg())
    base = model.get_submodule(GEN_CE).loss_weight  # eta = 0.7
    hook = HOOKS.build(dict(type='LossWeightScheduleHook', schedules=[
        dict(loss=GEN_CE, end_factor=5.0)]))
    # 11 iterations, 0..10: the last one trains with the end factor.
    seen = weights_over(hook, model, [0, 5, 10], max_iters=11)
    assert seen == pytest.approx([base, base * 3, base * 5])
    # A second run of the same model starts from the configured weight,
    # not from the scaled one.
    assert weights_over(hook, model, [0], max_iters=11) == pytest.approx(
        [base])

    model, _ = build_algorithm(small_mnist_cfg())
    hook = HOOKS.build(dict(type='LossWeightScheduleHook', schedules=[
        dict(loss=GEN_CE, start_factor=0.0, end_factor=2.0, begin=2, end=6,
             curve='cosine')]))
    seen = weights_over(hook, model, [0, 2, 3, 4, 6, 9])
    expected = [0.0, 0.0, (1 - math.cos(math.pi / 4)), 1.0, 2.0, 2.0]
    assert seen == pytest.approx([base * f for f in expected])


def test_fractions_of_the_run_follow_max_iters():
    """by_fraction keeps the schedule's shape when a tool rescales the
    run (the benchmark sets train_cfg.max_iters from its calibration)."""
    hook_cfg = dict(type='LossWeightScheduleHook', schedules=[
        dict(loss=GEN_CE, end_factor=3.0, begin=0.25, end=0.75,
             by_fraction=True)])
    for last in (8, 400):  # iterations 0..last
        model, _ = build_algorithm(small_mnist_cfg())
        base = model.get_submodule(GEN_CE).loss_weight
        seen = weights_over(HOOKS.build(hook_cfg), model,
                            [0, last // 4, last // 2, last * 3 // 4, last],
                            max_iters=last + 1)
        assert seen == pytest.approx([base, base, base * 2, base * 3,
                                      base * 3])
    for begin, end in ((0, 200), (1.0, None), (0.5, 0.5)):
        with pytest.raises(ValueError, match='fractions of the run'):
            HOOKS.build(dict(hook_cfg, schedules=[
                dict(loss=GEN_CE, end_factor=3.0, begin=begin, end=end,
                     by_fraction=True)]))
    # Fractions without by_fraction would be a step at iteration 1.
    with pytest.raises(ValueError, match=r'begin=0.2 is not an iteration; '
                       'for a fraction of the run set by_fraction=True'):
        HOOKS.build(dict(hook_cfg, schedules=[
            dict(loss=GEN_CE, end_factor=3.0, begin=0.2, end=0.6)]))


def test_weight_depends_on_the_iteration_alone():
    """A run resumed at iteration 7 gets the weights of an uninterrupted
    one: nothing accumulates between calls."""
    schedules = [dict(loss=GEN_CE, end_factor=4.0),
                 dict(loss=GEN_KL, end_factor=0.0, curve='cosine')]
    model, _ = build_algorithm(small_mnist_cfg())
    hook = HOOKS.build(dict(type='LossWeightScheduleHook',
                            schedules=schedules))
    weights_over(hook, model, range(8))
    straight = (model.get_submodule(GEN_CE).loss_weight,
                model.get_submodule(GEN_KL).loss_weight)

    model, _ = build_algorithm(small_mnist_cfg())
    hook = HOOKS.build(dict(type='LossWeightScheduleHook',
                            schedules=schedules))
    weights_over(hook, model, [7])
    assert (model.get_submodule(GEN_CE).loss_weight,
            model.get_submodule(GEN_KL).loss_weight) == straight
    # The adversarial term's negative sign is kept while it fades.
    assert -1.0 < straight[1] < 0


def test_bad_schedules_are_named():
    model, _ = build_algorithm(small_mnist_cfg())
    with pytest.raises(ValueError, match="no loss 'generator_distiller"
                       r"\.distill_losses\.loss_cee'.*distill_losses"):
        HOOKS.build(dict(type='LossWeightScheduleHook', schedules=[
            dict(loss=GEN_CE + 'e', end_factor=2.0)])).before_run(
                runner_at(model, 0))
    with pytest.raises(ValueError, match='no float loss_weight'):
        HOOKS.build(dict(type='LossWeightScheduleHook', schedules=[
            dict(loss='generator_distiller.distill_losses', end_factor=2.0)
        ])).before_run(runner_at(model, 0))
    with pytest.raises(ValueError, match="needs the keys 'loss' and "
                       r"'end_factor'.*unknown: \['end_weight'\]"):
        HOOKS.build(dict(type='LossWeightScheduleHook', schedules=[
            dict(loss=GEN_CE, end_factor=1.0, end_weight=2.0)]))
    with pytest.raises(ValueError, match='curve must be one of'):
        HOOKS.build(dict(type='LossWeightScheduleHook', schedules=[
            dict(loss=GEN_CE, end_factor=1.0, curve='step')]))
    with pytest.raises(ValueError, match=r'end \(3\) must be after begin'):
        HOOKS.build(dict(type='LossWeightScheduleHook', schedules=[
            dict(loss=GEN_CE, end_factor=1.0, begin=3, end=3)]))
    with pytest.raises(ValueError, match="end_factor must be a number, "
                       "got '5'"):
        HOOKS.build(dict(type='LossWeightScheduleHook', schedules=[
            dict(loss=GEN_CE, end_factor='5')]))
    with pytest.raises(ValueError, match='more than one schedule with loss'):
        HOOKS.build(dict(type='LossWeightScheduleHook', schedules=[
            dict(loss=GEN_CE, end_factor=2.0),
            dict(loss=GEN_CE, end_factor=0.5)]))


def test_through_the_runner_the_weight_is_logged_every_iteration(
        tmp_path, fake_mnist_root):
    teacher_ckpt = save_random_teacher(tmp_path / 'teacher.pth')
    config = tmp_path / 'scheduled.py'
    config.write_text(
        f'_base_ = [{MNIST_CONFIG!r}]\n'
        'custom_hooks = [dict(type="RandomStateHook"), '
        'dict(type="LossWeightScheduleHook", schedules=[dict(loss='
        f'{GEN_CE!r}, end_factor=3.0)])]\n')
    work_dir = tmp_path / 'run'
    train_here(os.fspath(config), work_dir, [
        f'model.teacher_ckpt={teacher_ckpt}',
        *mnist_val_options(fake_mnist_root), 'train_cfg.max_iters=4',
        'train_cfg.val_interval=4', 'train_dataloader.batch_size=16',
        'val_dataloader.batch_size=20', 'model.generator.hidden_channels=8',
        'model.student_steps=1', 'default_hooks.logger.interval=1'])
    (run_dir, ) = [d for d in os.listdir(work_dir)
                   if osp.isdir(work_dir / d)]
    with open(work_dir / run_dir / 'vis_data' / 'scalars.json') as f:
        rows = [json.loads(line) for line in f]
    logged = [r['generator_distiller.loss_ce_weight'] for r in rows
              if 'generator_distiller.loss_ce_weight' in r]
    # Iterations 0..3, the last with the end factor: 0.7 x (1 + 2 * i / 3),
    # logged as it is (mmengine would average a key with 'loss' in it).
    assert logged == pytest.approx([0.7 * (1 + 2 * i / 3) for i in range(4)],
                                   abs=1e-4)
