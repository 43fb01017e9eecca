"""configs/cpsc/cpsc_generator_refine_*: generator-only training from a CPSC
checkpoint through tools/train.py, with the student left exactly as it was."""
import os.path as osp

import torch
from conftest import (REPO, build_algorithm, mnist_val_options, run_train_tool,
                      small_mnist_cfg, train_here)

from mmrazor_cpsc.compat import safe_mmengine_checkpoint_loading

REFINE_CONFIG = osp.join(REPO, 'configs', 'cpsc',
                         'cpsc_generator_refine_lenet5bn_lenet5half_mnist.py')


def _load_state(path):
    with safe_mmengine_checkpoint_loading():
        return torch.load(path, map_location='cpu',
                          weights_only=False)['state_dict']


def test_refine_trains_the_generator_and_leaves_the_student(
        tmp_path, fake_mnist_root):
    torch.manual_seed(0)
    algorithm, _ = build_algorithm(small_mnist_cfg())
    cpsc_ckpt = tmp_path / 'cpsc.pth'
    torch.save({'state_dict': algorithm.state_dict()}, cpsc_ckpt)
    teacher_ckpt = tmp_path / 'teacher.pth'
    torch.save(algorithm.teacher.state_dict(), teacher_ckpt)
    work_dir = tmp_path / 'refine'
    options = [
        f'load_from={cpsc_ckpt}', f'model.teacher_ckpt={teacher_ckpt}',
        'model.generator.hidden_channels=8', 'model.generator.latent_dim=16',
        'model.generator_distiller.distill_losses.loss_tv.loss_weight=1.0',
        'train_cfg.max_iters=3', 'train_cfg.val_interval=3',
        'default_hooks.checkpoint.interval=3', 'default_hooks.logger.interval=1',
        'train_dataloader.batch_size=20',
        *mnist_val_options(fake_mnist_root),
        'val_dataloader.batch_size=20', 'custom_hooks.2.interval=3'
    ]
    log = train_here(REFINE_CONFIG, work_dir, options)
    assert 'gen.loss_tv' in log and 'stu.loss' not in log
    # The per-image BN term ran (its recorder found the first BN layer).
    assert 'gen.loss_bn_image' in log

    before = algorithm.state_dict()
    after = _load_state(work_dir / 'iter_3.pth')
    student = [k for k in before if k.startswith('architecture.')]
    # Every student tensor, BN running statistics included, is unchanged.
    assert student and all(torch.equal(before[k], after[k]) for k in student)
    assert any(not torch.equal(before[k], after[k]) for k in before
               if k.startswith('generator.') and before[k].is_floating_point())
    assert (work_dir / 'synthetic_grids' / 'iter_3.png').is_file()


def test_refine_without_a_checkpoint_names_the_fix(tmp_path):
    log = run_train_tool(REFINE_CONFIG, tmp_path,
                         [f'load_from={tmp_path / "missing.pth"}'],
                         expect_ok=False)
    assert 'does not exist' in log
    assert '--cfg-options load_from=PATH' in log
