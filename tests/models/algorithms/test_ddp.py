"""CPSC under mmengine's DDP: two CPU processes, gloo, the real Runner."""
import os
import os.path as osp
import subprocess
import sys

import torch
from conftest import MNIST_CONFIG, REPO, mnist_val_options

WORKER = osp.join(osp.dirname(osp.abspath(__file__)), 'ddp_worker.py')


def test_two_ranks_differ_in_data_and_agree_in_weights(tmp_path,
                                                       fake_mnist_root):
    work_dir = os.fspath(tmp_path / 'work')
    prefix = os.fspath(tmp_path / 'rank')
    env = dict(os.environ, OMP_NUM_THREADS='1')
    result = subprocess.run(
        [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node=2',
         '--master_port=29533', WORKER, MNIST_CONFIG, fake_mnist_root,
         work_dir, prefix],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-4000:]
    rank0 = torch.load(prefix + '0.pth', weights_only=True)
    rank1 = torch.load(prefix + '1.pth', weights_only=True)

    # Different noise and labels per rank (diff_rank_seed) ...
    assert len(rank0['labels']) == 2 * (1 + 2)  # 2 iterations x (G + S steps)
    assert any(not torch.equal(a, b)
               for a, b in zip(rank0['labels'], rank1['labels']))
    # ... but synchronised gradients: identical weights after the updates.
    trained = [k for k in rank0['state']
               if k.startswith(('architecture.', 'generator.',
                                'generator_distiller.'))
               and 'running' not in k and 'num_batches' not in k]
    assert any(k.startswith('generator_distiller.connectors') for k in trained)
    for key in trained:
        assert torch.equal(rank0['state'][key], rank1['state'][key]), key
    # One checkpoint, written by rank 0.
    assert sorted(f for f in os.listdir(work_dir)
                  if f.startswith('iter_')) == ['iter_2.pth']
    checkpoint = torch.load(osp.join(work_dir, 'iter_2.pth'),
                            weights_only=False)
    # Wrapper-independent keys: loadable by one process and by the exporter.
    assert not [k for k in checkpoint['state_dict'] if '.module.' in k]
    assert torch.equal(checkpoint['state_dict']['architecture.head.fc.weight'],
                       rank0['state']['architecture.head.fc.weight'])


def test_dist_train_script_runs_the_config_unchanged(tmp_path,
                                                     fake_mnist_root):
    """tools/dist_train.sh CONFIG 2 on CPU: the config's nccl becomes gloo."""
    import torch as _torch
    from conftest import TEACHER_CONFIG
    from mmengine.config import Config
    from mmpretrain.registry import MODELS as PRETRAIN_MODELS
    teacher_ckpt = os.fspath(tmp_path / 'teacher.pth')
    _torch.save(PRETRAIN_MODELS.build(
        Config.fromfile(TEACHER_CONFIG).model).state_dict(), teacher_ckpt)
    work_dir = os.fspath(tmp_path / 'work')
    # PYTHONFAULTHANDLER: a rank that aborts shows where it was.
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHON=sys.executable,
               PYTHONFAULTHANDLER='1', PORT='29544')
    result = subprocess.run(
        ['bash', 'tools/dist_train.sh', MNIST_CONFIG, '2', '--work-dir',
         work_dir, '--cfg-options', f'model.teacher_ckpt={teacher_ckpt}',
         *mnist_val_options(fake_mnist_root),
         'train_cfg.max_iters=2', 'train_cfg.val_interval=2',
         'train_dataloader.batch_size=16', 'model.student_steps=1',
         'default_hooks.checkpoint.interval=2'],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, (result.stdout[-3000:] +
                                    result.stderr[-12000:])
    assert 'using the gloo backend instead of nccl' in result.stdout
    assert sorted(f for f in os.listdir(work_dir)
                  if f.endswith('.pth') and f.startswith('iter_')) == [
                      'iter_2.pth']
