"""A teacher trained by tools/train.py records what it was trained on
(TrainingDataMetaHook); distilling it with another normalisation is refused,
and other class names on the validation set are reported before training."""
import os
import os.path as osp

import torch
from conftest import (MNIST_CONFIG, TEACHER_CONFIG, mnist_train_options,
                      mnist_val_options, run_train_tool, train_here)

from mmrazor_cpsc.compat import safe_mmengine_checkpoint_loading


def _cpsc_options(mnist_root, teacher_ckpt):
    return [f'model.teacher_ckpt={teacher_ckpt}',
            *mnist_val_options(mnist_root),
            'train_cfg.max_iters=1', 'train_cfg.val_interval=1',
            'train_dataloader.batch_size=16', 'val_dataloader.batch_size=20',
            'model.generator.hidden_channels=8', 'model.student_steps=1']


def test_teacher_meta_recorded_and_checked(tmp_path, fake_mnist_root):
    teacher_dir = tmp_path / 'teacher'
    # The teacher trained in this process; the distillations below are
    # tools/train.py processes.
    train_here(TEACHER_CONFIG, teacher_dir, [
        *mnist_train_options(fake_mnist_root),
        *mnist_val_options(fake_mnist_root),
        'train_cfg.max_epochs=1', 'train_dataloader.batch_size=20'])
    teacher_ckpt = os.fspath(teacher_dir / 'epoch_1.pth')
    with safe_mmengine_checkpoint_loading():
        meta = torch.load(teacher_ckpt, weights_only=True)['meta']
    assert meta['training_data'] == dict(
        dataset_type='mmpretrain.MNIST',
        normalization=dict(mean=[33.46], std=[78.87], to_rgb=False))
    assert len(meta['dataset_meta']['classes']) == 10

    # Another mean: refused before training, naming both and the fix.
    log = run_train_tool(
        MNIST_CONFIG, tmp_path / 'other_mean',
        _cpsc_options(fake_mnist_root, teacher_ckpt)
        + ['model.data_preprocessor.mean=[127.5]'], expect_ok=False)
    assert 'was trained with mean [33.46], std [78.87]' in log
    assert "data_preprocessor has mean [127.5]" in log
    assert 'model.data_preprocessor.mean="[33.46]"' in log
    assert not osp.isfile(tmp_path / 'other_mean' / 'iter_1.pth')

    # The MNIST CPSC config normalises as the teacher was trained: runs
    # (one run for this and the next check, each a process's start-up).
    # Other class names on the validation set (same number): reported by
    # TeacherAccuracyHook before the first iteration, and only reported.
    names = [f'c{i}' for i in range(10)]
    log = run_train_tool(
        MNIST_CONFIG, tmp_path / 'ok',
        _cpsc_options(fake_mnist_root, teacher_ckpt) + [
            f'val_dataloader.dataset.dataset.metainfo.classes={names}',
            # (in place of the first custom hook)
            'custom_hooks.0.type=TeacherAccuracyHook'])
    assert osp.isfile(tmp_path / 'ok' / 'iter_1.pth')
    assert 'the teacher was trained on 10 classes' in log
    assert 'Same number, other names' in log
