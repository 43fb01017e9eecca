"""SIGKILL mid-training, then --resume: the result equals an uninterrupted run."""
import os
import os.path as osp
import signal
import subprocess
import sys
import time

import torch
from conftest import MNIST_CONFIG, REPO, TEACHER_CONFIG, mnist_val_options
from mmengine.config import Config
from mmpretrain.registry import MODELS as PRETRAIN_MODELS

from mmrazor_cpsc.compat import safe_mmengine_checkpoint_loading

MAX_ITERS, INTERVAL = 30, 10


def command(work_dir, mnist_root, teacher_ckpt, resume=False):
    cmd = [sys.executable, 'tools/train.py', MNIST_CONFIG, '--work-dir',
           work_dir, '--cfg-options', f'model.teacher_ckpt={teacher_ckpt}',
           *mnist_val_options(mnist_root),
           f'train_cfg.max_iters={MAX_ITERS}',
           f'train_cfg.val_interval={MAX_ITERS}',
           'train_dataloader.batch_size=16', 'val_dataloader.batch_size=20',
           'model.generator.hidden_channels=8', 'model.student_steps=2',
           f'default_hooks.checkpoint.interval={INTERVAL}',
           'default_hooks.checkpoint.max_keep_ckpts=5', 'randomness.seed=7',
           'default_hooks.logger.interval=1']
    return cmd + (['--resume'] if resume else [])


def final_state(work_dir):
    with safe_mmengine_checkpoint_loading():
        ckpt = torch.load(osp.join(work_dir, f'iter_{MAX_ITERS}.pth'),
                          map_location='cpu', weights_only=True)
    return ckpt


def test_killed_run_resumes_to_identical_weights(tmp_path, fake_mnist_root):
    torch.manual_seed(0)
    teacher = PRETRAIN_MODELS.build(Config.fromfile(TEACHER_CONFIG).model)
    teacher_ckpt = os.fspath(tmp_path / 'teacher.pth')
    torch.save(teacher.state_dict(), teacher_ckpt)
    env = dict(os.environ, OMP_NUM_THREADS='1')

    straight = os.fspath(tmp_path / 'straight')
    subprocess.run(command(straight, fake_mnist_root, teacher_ckpt), cwd=REPO,
                   env=env, check=True, capture_output=True, timeout=600)

    crashed = os.fspath(tmp_path / 'crashed')
    proc = subprocess.Popen(command(crashed, fake_mnist_root, teacher_ckpt),
                            cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    pointer = osp.join(crashed, 'last_checkpoint')
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None:
        if osp.isfile(pointer) and open(pointer).read().endswith(
                f'iter_{INTERVAL}.pth'):
            break
        time.sleep(0.02)
    assert proc.poll() is None, 'the run ended before it could be killed'
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not osp.exists(osp.join(crashed, f'iter_{MAX_ITERS}.pth'))

    resumed = subprocess.run(
        command(crashed, fake_mnist_root, teacher_ckpt, resume=True),
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    log = resumed.stdout + resumed.stderr
    assert f'Iter(train) [{INTERVAL + 1}/{MAX_ITERS}]' in log
    assert 'Iter(train) [1/' not in log

    expected, got = final_state(straight), final_state(crashed)
    for key, value in expected['state_dict'].items():
        assert torch.equal(value, got['state_dict'][key]), key
    for part in ('architecture', 'generator'):
        exp_state = expected['optimizer'][part]['state']
        got_state = got['optimizer'][part]['state']
        for idx in exp_state:
            for name, value in exp_state[idx].items():
                assert torch.equal(torch.as_tensor(value),
                                   torch.as_tensor(got_state[idx][name]))
