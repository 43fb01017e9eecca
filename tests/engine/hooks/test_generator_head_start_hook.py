"""GeneratorHeadStartHook: on MMRazor's own DataFreeDistillation (DFAD), the
student stays exactly as it was during the head start while the generator
trains, and is updated from the start iteration on; the run's optimiser
wrapper is left as it was after training; wrong settings are refused with a
message that names the fix."""
from types import SimpleNamespace

import pytest
import torch
from conftest import tiny_mmrazor_dfad
from mmrazor.registry import HOOKS


def snapshot(module):
    return [p.detach().clone() for p in module.parameters()]


def same(module, before):
    return all(torch.equal(p, q) for p, q in zip(module.parameters(), before))


def test_student_waits_while_generator_trains():
    torch.manual_seed(0)
    model, optim, data = tiny_mmrazor_dfad()
    hook = HOOKS.build(dict(type='GeneratorHeadStartHook',
                            student_start_iter=2))
    runner = SimpleNamespace(optim_wrapper=optim, iter=0)
    hook.before_train(runner)
    student0 = snapshot(model.architecture)
    for runner.iter in (0, 1):
        generator = snapshot(model.generator)
        hook.before_train_iter(runner, runner.iter)
        model.train_step(data, optim)
        assert not same(model.generator, generator)
        assert same(model.architecture, student0)
        # nothing left behind for the first real update to pick up
        assert all(p.grad is None or not p.grad.any()
                   for p in model.architecture.parameters())
    assert hook.held_updates == 2
    runner.iter = 2
    hook.before_train_iter(runner, 2)
    model.train_step(data, optim)
    assert not same(model.architecture, student0)
    hook.after_train(runner)
    assert 'update_params' not in vars(optim['architecture'])


def test_zero_start_leaves_the_wrapper_alone():
    model, optim, data = tiny_mmrazor_dfad()
    hook = HOOKS.build(dict(type='GeneratorHeadStartHook',
                            student_start_iter=0))
    runner = SimpleNamespace(optim_wrapper=optim, iter=0)
    hook.before_train(runner)
    assert 'update_params' not in vars(optim['architecture'])
    student0 = snapshot(model.architecture)
    hook.before_train_iter(runner, 0)
    model.train_step(data, optim)
    assert not same(model.architecture, student0)


def test_unknown_student_key_names_the_keys():
    _, optim, _ = tiny_mmrazor_dfad()
    hook = HOOKS.build(dict(type='GeneratorHeadStartHook',
                            optim_wrapper='student'))
    with pytest.raises(ValueError,
                       match=r"no optimiser wrapper 'student'.*"
                       r"\['architecture', 'generator'\]"):
        hook.before_train(SimpleNamespace(optim_wrapper=optim, iter=0))


@pytest.mark.parametrize('start', [-1, 2.5, True])
def test_bad_start_is_refused(start):
    with pytest.raises(ValueError, match='integer >= 0'):
        HOOKS.build(dict(type='GeneratorHeadStartHook',
                         student_start_iter=start))
