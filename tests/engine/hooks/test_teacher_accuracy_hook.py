"""TeacherAccuracyHook through the real Runner: the teacher's validation
top-1 is logged before the first iteration, equals a direct count, warns
near chance, can stop the run, and leaves training bit-identical."""
import os
import os.path as osp
import re

import torch
from conftest import (MNIST_CONFIG, TEACHER_CONFIG, mnist_val_options,
                      run_train_tool, save_random_teacher, train_here)
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmpretrain.registry import DATASETS, MODELS

from mmrazor_cpsc.compat import safe_mmengine_checkpoint_loading

HOOKS = """custom_hooks = [
    dict(type='RandomStateHook'), dict(type='CPUMemoryReuseHook'),
    {extra}
]
"""


def _config(tmp_path, name, extra):
    path = tmp_path / f'{name}.py'
    path.write_text(f'_base_ = [{MNIST_CONFIG!r}]\n'
                    + HOOKS.format(extra=extra))
    return os.fspath(path)


def _options(mnist_root, teacher_ckpt):
    return [f'model.teacher_ckpt={teacher_ckpt}',
            *mnist_val_options(mnist_root),
            'train_cfg.max_iters=2', 'train_cfg.val_interval=2',
            'train_dataloader.batch_size=16', 'val_dataloader.batch_size=20',
            'model.generator.hidden_channels=8', 'model.student_steps=1',
            'randomness.seed=5', 'default_hooks.logger.interval=1']


def _direct_top1(teacher_ckpt, mnist_root):
    cfg = Config.fromfile(MNIST_CONFIG)
    teacher = MODELS.build(Config.fromfile(TEACHER_CONFIG).model).eval()
    teacher.load_state_dict(torch.load(teacher_ckpt, weights_only=True))
    preprocessor = MODELS.build(cfg.model.data_preprocessor)
    val = cfg.val_dataloader.dataset
    dataset = DATASETS.build(dict(val, per_class=2,
                                  dataset=dict(val.dataset,
                                               data_root=mnist_root)))
    batch = preprocessor(pseudo_collate([dataset[i] for i in
                                         range(len(dataset))]), False)
    labels = torch.cat([s.gt_label for s in batch['data_samples']])
    with torch.no_grad():
        predicted = teacher(batch['inputs'], mode='tensor').argmax(1)
    return 100.0 * (predicted == labels).float().mean().item()


def test_teacher_accuracy_logged_before_training_and_run_unchanged(
        tmp_path, fake_mnist_root):
    teacher_ckpt = save_random_teacher(tmp_path / 'teacher.pth')
    options = _options(fake_mnist_root, teacher_ckpt)

    with_hook = tmp_path / 'with_hook'
    # The two runs compared in this process (tools/train.py's main()); the
    # stopped run below is the tool's real process.
    log = train_here(
        _config(tmp_path, 'with', "dict(type='TeacherAccuracyHook')"),
        with_hook, options)
    found = re.search(r'teacher: top-1 ([\d.]+) % on the validation set '
                      r'\((\d+) images\) before training', log)
    assert found, log[-3000:]
    assert found.group(2) == '20'  # the held-out 2 images per class
    expected = _direct_top1(teacher_ckpt, fake_mnist_root)
    assert abs(float(found.group(1)) - expected) < 0.01
    # It comes before the first iteration.
    assert log.index(found.group(0)) < log.index('Iter(train) [1/2]')
    # A random teacher is near chance: the warning names the likely causes.
    assert (expected < 20) == ('a teacher checkpoint of another dataset'
                               in log)

    without_hook = tmp_path / 'without_hook'
    train_here(_config(tmp_path, 'without', ''), without_hook, options)
    with safe_mmengine_checkpoint_loading():
        a = torch.load(osp.join(with_hook, 'iter_2.pth'),
                       weights_only=True)['state_dict']
        b = torch.load(osp.join(without_hook, 'iter_2.pth'),
                       weights_only=True)['state_dict']
    for key in a:  # the measurement changed nothing in training
        assert torch.equal(a[key], b[key]), key

    stopped = run_train_tool(
        _config(tmp_path, 'stop', "dict(type='TeacherAccuracyHook', "
                'stop_below=101)'), tmp_path / 'stop', options,
        expect_ok=False)
    assert 'teacher classifies the validation set at' in stopped
    assert 'Iter(train) [1/2]' not in stopped
