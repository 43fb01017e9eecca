"""A short real run: tools/train.py -> checkpoint -> --resume -> student export.

Everything goes through the command-line tools and mmengine's Runner, on an
MNIST-format dataset written to a temporary directory. One 4-iteration run
(``trained_run``, with --auto-scale-lr) is the start of every test here:
each test resumes it in a copy of its work dir, so the tool is not started
three times for the same four iterations.
"""
import json
import os
import os.path as osp
import shutil
import subprocess
import sys

import pytest
import torch
from conftest import (MNIST_CONFIG, REPO, TEACHER_CONFIG, fake_mnist_files,
                      mnist_val_options, run_tool_here)
from mmengine.config import Config
from mmengine.runner import load_checkpoint
from mmpretrain.registry import MODELS as PRETRAIN_MODELS

from mmrazor_cpsc.compat import safe_mmengine_checkpoint_loading
from mmrazor_cpsc.deployment import export_student


def load_safely(path):
    """Our checkpoints must stay readable by the weights-only loader."""
    with safe_mmengine_checkpoint_loading():
        return torch.load(path, map_location='cpu', weights_only=True)


def run_tool(*args):
    result = subprocess.run([sys.executable, *args], cwd=REPO,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def cpsc_options(mnist_root, teacher_ckpt, max_iters):
    return [
        '--cfg-options', f'model.teacher_ckpt={teacher_ckpt}',
        *mnist_val_options(mnist_root),
        f'test_dataloader.dataset.data_root={mnist_root}',
        f'train_cfg.max_iters={max_iters}', 'train_cfg.val_interval=2',
        'train_dataloader.batch_size=16', 'val_dataloader.batch_size=20',
        'model.generator.hidden_channels=8', 'model.student_steps=2',
        'default_hooks.checkpoint.interval=2', 'default_hooks.logger.interval=1',
        'randomness.seed=3'
    ]


@pytest.fixture(scope='module')
def teacher_ckpt(tmp_path_factory):
    """A LeNet-5-BN teacher saved as a plain state dict (random weights)."""
    cfg = Config.fromfile(TEACHER_CONFIG)
    torch.manual_seed(0)
    teacher = PRETRAIN_MODELS.build(cfg.model)
    path = tmp_path_factory.mktemp('teacher') / 'teacher.pth'
    torch.save(teacher.state_dict(), path)
    return os.fspath(path)


@pytest.fixture(scope='module')
def mnist_root(tmp_path_factory):
    """``fake_mnist_root``'s files, once for the module (the tests only read
    them)."""
    return fake_mnist_files(tmp_path_factory.mktemp('data'))


@pytest.fixture(scope='module')
def trained_run(tmp_path_factory, mnist_root, teacher_ckpt):
    """tools/train.py, 4 iterations at batch 16 with --auto-scale-lr and a
    base batch of 32 (every LR halves): its work dir, which the tests copy
    and never change."""
    work_dir = os.fspath(tmp_path_factory.mktemp('trained') / 'work')
    run_tool('tools/train.py', MNIST_CONFIG, '--work-dir', work_dir,
             '--auto-scale-lr', *cpsc_options(mnist_root, teacher_ckpt, 4),
             'auto_scale_lr.base_batch_size=32')
    return work_dir


def copy_of(run_dir, work_dir):
    """RUN_DIR copied to WORK_DIR as if trained there: its last_checkpoint
    names the copy's own newest checkpoint (mmengine writes an absolute
    path)."""
    shutil.copytree(run_dir, work_dir)
    with open(osp.join(work_dir, 'last_checkpoint'), 'w') as f:
        f.write(osp.join(work_dir, 'iter_4.pth'))
    return work_dir


def test_train_checkpoint_resume_and_export(tmp_path, mnist_root,
                                            teacher_ckpt, trained_run):
    fake_mnist_root = mnist_root
    work_dir = copy_of(trained_run, os.fspath(tmp_path / 'work'))
    assert osp.isfile(osp.join(work_dir, 'iter_4.pth'))
    # SyntheticGridHook drew the last iteration: 10 rows x 10 digits.
    from PIL import Image
    grid = Image.open(osp.join(work_dir, 'synthetic_grids', 'iter_4.png'))
    assert grid.size == (10 * 34 + 2, 10 * 34 + 2)
    first = load_safely(osp.join(work_dir, 'iter_4.pth'))
    assert first['meta']['iter'] == 4
    assert {'architecture', 'generator'} <= set(first['optimizer'])

    # Resume to 6 iterations: must continue from iteration 4, not restart.
    result = run_tool('tools/train.py', MNIST_CONFIG, '--work-dir', work_dir,
                      '--resume', *cpsc_options(fake_mnist_root, teacher_ckpt,
                                                6))
    log = result.stdout + result.stderr
    assert 'resumed' in log.lower()
    assert 'Iter(train) [5/6]' in log and 'Iter(train) [1/6]' not in log
    resumed = load_safely(osp.join(work_dir, 'iter_6.pth'))
    assert resumed['meta']['iter'] == 6

    # The teacher after training: parameters and BN buffers bit-identical.
    teacher_file = torch.load(teacher_ckpt, weights_only=True)
    assert any('running_mean' in k for k in teacher_file)
    for key, value in teacher_file.items():
        assert torch.equal(resumed['state_dict'][f'teacher.{key}'], value), key

    # The student as a plain mmpretrain classifier (the tool in this
    # process; test_convert_student_checkpoint.py runs it as a script).
    student_path = os.fspath(tmp_path / 'student.pth')
    assert run_tool_here('convert_student_checkpoint',
                         osp.join(work_dir, 'iter_6.pth'), student_path) == 0
    cfg = Config.fromfile(MNIST_CONFIG)
    student = PRETRAIN_MODELS.build(cfg.model.architecture)
    load_checkpoint(student, student_path, strict=True)
    for key, value in student.state_dict().items():
        assert torch.equal(value, resumed['state_dict'][f'architecture.{key}'])

    # The distillation checkpoint itself evaluates without the teacher file.
    os.rename(teacher_ckpt, teacher_ckpt + '.away')
    try:
        run_tool('tools/test.py', MNIST_CONFIG, osp.join(work_dir, 'iter_6.pth'),
                 '--work-dir', os.fspath(tmp_path / 'test_cpsc'),
                 '--cfg-options', f'model.teacher_ckpt={teacher_ckpt}',
                 f'test_dataloader.dataset.data_root={fake_mnist_root}')
    finally:
        os.rename(teacher_ckpt + '.away', teacher_ckpt)

    # ... and mmpretrain's tools evaluate it on the (fake) test set.
    metrics_file = os.fspath(tmp_path / 'metrics.json')
    run_tool('tools/test.py', TEACHER_CONFIG, student_path,
             '--work-dir', os.fspath(tmp_path / 'test'),
             '--out-metrics', metrics_file, '--cfg-options',
             f'test_dataloader.dataset.data_root={fake_mnist_root}',
             'model.backbone.channels=[3,8,60]', 'model.backbone.fc_channels=42',
             'model.head.in_channels=42')
    with open(metrics_file) as f:
        assert 0 <= json.load(f)['accuracy/top1'] <= 100


def test_export_refuses_non_distillation_checkpoint(tmp_path, teacher_ckpt):
    with pytest.raises(ValueError, match="no weights under 'architecture.'"):
        export_student(teacher_ckpt, os.fspath(tmp_path / 'x.pth'))


def test_non_finite_loss_names_term_iteration_and_last_checkpoint(
        tmp_path, mnist_root, teacher_ckpt, trained_run):
    fake_mnist_root = mnist_root
    work_dir = copy_of(trained_run, os.fspath(tmp_path / 'work'))
    # Resume with an infinite loss weight (the optimiser state, LR included,
    # comes back from the checkpoint; loss weights are config).
    result = subprocess.run(
        [sys.executable, 'tools/train.py', MNIST_CONFIG, '--work-dir',
         work_dir, '--resume', *cpsc_options(fake_mnist_root, teacher_ckpt, 12),
         'model.distiller.distill_losses.loss_kl.loss_weight=inf'],
        cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode != 0
    message = result.stderr[-2000:]
    assert 'CPSC: loss term stu.loss_kl is inf' in message, message
    assert 'at iteration 4.' in message
    last = osp.join(work_dir, 'iter_4.pth')
    assert f'Last good checkpoint: {last}' in message
    assert load_safely(last)['meta']['iter'] == 4  # intact


def test_cli_parity_resume_path_auto_scale_lr_dumped_predictions(
        tmp_path, mnist_root, teacher_ckpt, trained_run):
    """MMRazor/mmpretrain habits: --resume CHECKPOINT, --auto-scale-lr,
    test.py --out, tools/dist_test.sh."""
    fake_mnist_root = mnist_root
    batch_16 = cpsc_options(fake_mnist_root, teacher_ckpt, 4)
    # --auto-scale-lr with base batch 32 at batch 16: every LR halves.
    lr = Config.fromfile(MNIST_CONFIG).optim_wrapper.architecture.optimizer.lr
    saved = load_safely(osp.join(trained_run, 'iter_4.pth'))['optimizer']
    initial = saved['architecture']['param_groups'][0]['initial_lr']
    assert initial == pytest.approx(0.5 * lr)
    work_dir = copy_of(trained_run, os.fspath(tmp_path / 'work'))

    # --resume CHECKPOINT: from iteration 2, although iter_4 is newer.
    log = run_tool('tools/train.py', MNIST_CONFIG, '--work-dir', work_dir,
                   '--resume', osp.join(work_dir, 'iter_2.pth'), *batch_16)
    log = log.stdout + log.stderr
    assert 'Iter(train) [3/4]' in log and 'Iter(train) [1/4]' not in log

    # Mistakes named at once: the tool's exit with one line (exit code 1,
    # no traceback), in this process (tools/train.py's message path as a
    # script: test_cli_errors.py).
    for args, message in (
            (['--resume', osp.join(work_dir, 'nope.pth')],
             'nope.pth: no such checkpoint'),
            (['--auto-scale-lr'], 'add auto_scale_lr = dict(base_batch_size')):
        code = run_tool_here('train', MNIST_CONFIG, '--work-dir',
                             os.fspath(tmp_path / 'other'), *args, *batch_16)
        assert isinstance(code, str), code  # SystemExit(message): exit 1
        assert code.startswith('tools/train.py: ') and message in code, code

    # test.py --out: one prediction per test image (40 in the fake set);
    # the same run's --out-metrics is the single-process reference for
    # dist_test.sh below.
    preds = os.fspath(tmp_path / 'preds.pkl')
    single = os.fspath(tmp_path / 'single_metrics.json')
    run_tool('tools/test.py', MNIST_CONFIG, osp.join(work_dir, 'iter_4.pth'),
             '--work-dir', os.fspath(tmp_path / 'test'), '--out', preds,
             '--out-metrics', single, '--cfg-options',
             f'test_dataloader.dataset.data_root={fake_mnist_root}')
    import pickle
    with open(preds, 'rb') as f:
        dumped = pickle.load(f)
    assert len(dumped) == 40
    assert {'pred_label', 'gt_label'} <= set(dumped[0])

    # tools/dist_test.sh: two gloo processes evaluate the same checkpoint.
    metrics = os.fspath(tmp_path / 'dist_metrics.json')
    result = subprocess.run(
        ['bash', 'tools/dist_test.sh', MNIST_CONFIG,
         osp.join(work_dir, 'iter_4.pth'), '2', '--work-dir',
         os.fspath(tmp_path / 'dist_test'), '--out-metrics', metrics,
         '--cfg-options', 'env_cfg.dist_cfg.backend=gloo',
         f'test_dataloader.dataset.data_root={fake_mnist_root}'],
        cwd=REPO, capture_output=True, text=True, timeout=600,
        env=dict(os.environ, PYTHON=sys.executable, OMP_NUM_THREADS='1',
                 PORT='29517', PYTHONFAULTHANDLER='1'))
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    with open(metrics) as f:
        distributed = json.load(f)['accuracy/top1']
    with open(single) as f:
        assert json.load(f)['accuracy/top1'] == pytest.approx(distributed)
