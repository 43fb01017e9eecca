"""CollapseGuardHook measures collapse on synthetic images alone, for CPSC
and MMRazor's data-free algorithms, and warns through the real Runner."""
import copy

import pytest
import torch
from conftest import (MNIST_CONFIG, build_algorithm, mnist_val_options,
                      save_random_teacher, small_mnist_cfg,
                      tiny_mmrazor_dfad, train_here)

from mmrazor_cpsc.engine.hooks import CollapseGuardHook


def test_measures_cpsc_and_mmrazor_algorithms_and_restores_randomness():
    guard = CollapseGuardHook(batch_size=20)
    torch.manual_seed(0)
    cpsc, _ = build_algorithm(small_mnist_cfg())
    dfad, _, _ = tiny_mmrazor_dfad()
    for algorithm in (cpsc, dfad):
        before = torch.random.get_rng_state()
        found = guard.measure(algorithm)
        assert torch.equal(before, torch.random.get_rng_state())
        assert 0 <= found['class_entropy'] <= 1
        assert 1 <= found['classes_seen'] <= 10
        assert 0 <= found['dead_features'] <= 1
        assert guard.measure(algorithm) == found  # fixed noise: repeatable


def test_a_dead_student_and_a_one_class_teacher_are_seen():
    guard = CollapseGuardHook(batch_size=20)
    torch.manual_seed(0)
    algorithm, _ = build_algorithm(small_mnist_cfg())
    alive = guard.measure(algorithm)
    assert alive['dead_features'] < 1
    dead = copy.deepcopy(algorithm)
    # A student whose last hidden layer outputs zero for every input.
    fc = dead.architecture.backbone.fc
    last = [m for m in fc.modules() if isinstance(m, torch.nn.Linear)][-1]
    torch.nn.init.zeros_(last.weight)
    torch.nn.init.constant_(last.bias, -1.0)
    assert guard.measure(dead)['dead_features'] == 1.0
    one_class = copy.deepcopy(algorithm)
    head = one_class.teacher.head.fc
    torch.nn.init.zeros_(head.weight)
    with torch.no_grad():
        head.bias.copy_(torch.arange(10.0))  # always class 9
    found = guard.measure(one_class)
    assert found['classes_seen'] == 1 and found['class_entropy'] == 0


def test_options_are_checked():
    with pytest.raises(ValueError, match='min_class_entropy'):
        CollapseGuardHook(min_class_entropy=0)


def test_logs_and_warns_through_the_runner(tmp_path, fake_mnist_root):
    teacher = save_random_teacher(tmp_path / 'teacher.pth')
    config = tmp_path / 'guarded.py'
    # A random teacher's classes are never exactly balanced: at a threshold
    # of 1 every check is a collapse, so the warning must show, once.
    config.write_text(
        f'_base_ = [{MNIST_CONFIG!r}]\n'
        "custom_hooks = [dict(type='CollapseGuardHook', interval=1, "
        'batch_size=20, min_class_entropy=1.0)]\n')
    options = [f'model.teacher_ckpt={teacher}', 'train_cfg.max_iters=2',
               'train_cfg.val_interval=2', 'train_dataloader.batch_size=20',
               'model.generator.hidden_channels=8',
               'default_hooks.logger.interval=1',
               *mnist_val_options(fake_mnist_root)]
    log = train_here(str(config), tmp_path / 'run', options)
    assert 'collapse/class_entropy' in log
    assert 'collapse/dead_features' in log and 'collapse/kd_loss' in log
    assert log.count('CollapseGuardHook: the teacher puts') == 1  # once
    assert 'of 10 classes' in log
