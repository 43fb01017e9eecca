"""The real tools/train.py under torchrun on 2 CPU processes (gloo), resumed.

What a multi-GPU user runs (`torchrun --nproc_per_node N tools/train.py CONFIG
--launcher pytorch`), with the cross-rank terms on (the default), for two
iterations of the MNIST CPSC config; then the same command with --resume
continues from the checkpoint to iteration 4.
"""
import os
import os.path as osp
import re
import subprocess
import sys

import torch
from conftest import (MNIST_CONFIG, REPO, mnist_val_options,
                      save_random_teacher)

TORCHRUN = osp.join(osp.dirname(sys.executable), 'torchrun')


def torchrun_train(work_dir: str, options: list, *extra: str) -> str:
    command = [TORCHRUN, '--nproc_per_node', '2', '--master_port', '29563',
               'tools/train.py', MNIST_CONFIG, '--launcher', 'pytorch',
               '--work-dir', work_dir, *extra, '--cfg-options', *options]
    result = subprocess.run(
        command, cwd=REPO, capture_output=True, text=True, timeout=600,
        env=dict(os.environ, OMP_NUM_THREADS='1', PYTHONFAULTHANDLER='1'))
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-6000:]
    return log


def test_torchrun_two_cpu_processes_train_and_resume(tmp_path,
                                                     fake_mnist_root):
    teacher = save_random_teacher(tmp_path / 'teacher.pth')
    work_dir = os.fspath(tmp_path / 'work')
    options = [f'model.teacher_ckpt={teacher}',
               *mnist_val_options(fake_mnist_root),
               'model.generator.hidden_channels=8', 'model.student_steps=1',
               'train_dataloader.batch_size=10', 'train_cfg.val_interval=2',
               'default_hooks.checkpoint.interval=2',
               'default_hooks.logger.interval=1']
    first = torchrun_train(work_dir, options + ['train_cfg.max_iters=2'])
    assert 'using the gloo backend instead of nccl' in first
    # The model was built after the process group: the cross-rank terms
    # are on.
    found = re.search(r'CPSC on 2 processes: over the global batch: '
                      r'(.*); per process: (.*)\.\n', first)
    assert found, first[-3000:]
    assert set(found.group(1).split(', ')) == {
        'generator_distiller.loss_adv_ikd', 'generator_distiller.loss_bn',
        'generator_distiller.loss_scl', 'distiller.loss_ikd',
        'balanced labels', 'BatchNorm of generator and student'}
    assert found.group(2) == 'nothing'
    assert osp.exists(osp.join(work_dir, 'iter_2.pth'))

    second = torchrun_train(work_dir, options + ['train_cfg.max_iters=4'],
                            '--resume')
    assert re.search(r'resumed epoch: \d+, iter: 2', second), second[-3000:]
    # The resumed run logs iterations 3 and 4 only.
    logged = {int(m) for m in re.findall(r'Iter\(train\) \[\s*(\d+)/4\]',
                                         second)}
    assert logged == {3, 4}, second[-3000:]
    checkpoint = torch.load(osp.join(work_dir, 'iter_4.pth'),
                            weights_only=False)
    assert checkpoint['meta']['iter'] == 4
    # Written by two processes, loadable by one: no DDP `module.` segments.
    assert not [k for k in checkpoint['state_dict'] if '.module.' in k]
    # The cross-rank BatchNorm layers save under plain BatchNorm keys, and
    # their running statistics were updated.
    means = [v for k, v in checkpoint['state_dict'].items()
             if k.startswith('generator.') and k.endswith('running_mean')]
    assert means and all(m.abs().sum() > 0 for m in means)
