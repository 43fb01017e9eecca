"""Every example under configs/composition and every MMRazor baseline under
configs/baselines runs a few iterations through tools/train.py on MNIST-shaped
data."""
import glob
import os
import os.path as osp

import pytest
import torch
from conftest import (REPO, TEACHER_CONFIG, mnist_train_options,
                      mnist_val_options, train_here)
from mmengine.config import Config
from mmpretrain.registry import MODELS as PRETRAIN_MODELS
from mmrazor.registry import MODELS

# Examples that are not distillation (no teacher) run in a test of their own.
DEDICATED_TESTS = {
    'prune_finetune_generator_data_lenet5half_mnist.py':
    'tests/configs/test_generator_data_workflows.py',
    'ptq_generator_calibration_lenet5half_mnist.py':
    'tests/configs/test_generator_data_workflows.py',
}
CONFIGS = sorted(
    p for p in glob.glob(osp.join(REPO, 'configs', 'composition', '*.py')) +
    glob.glob(osp.join(REPO, 'configs', 'baselines', '*mnist.py'))
    if osp.basename(p) not in DEDICATED_TESTS)


@pytest.fixture(scope='module')
def checkpoints(tmp_path_factory):
    """A teacher state dict and a CPSC-style checkpoint of the generator."""
    root = tmp_path_factory.mktemp('ckpts')
    torch.manual_seed(0)
    teacher = PRETRAIN_MODELS.build(Config.fromfile(TEACHER_CONFIG).model)
    torch.save(teacher.state_dict(), root / 'teacher.pth')
    gen_cfg = Config.fromfile(osp.join(
        REPO, 'configs/_base_/models/cpsc_mnist_generator.py')).mnist_generator
    generator = MODELS.build(gen_cfg)
    torch.save({'state_dict': {f'generator.{k}': v for k, v in
                               generator.state_dict().items()}},
               root / 'cpsc.pth')
    return os.fspath(root / 'teacher.pth'), os.fspath(root / 'cpsc.pth')


def test_configs_found():
    assert CONFIGS
    # No example escapes testing: each one left out above is run by name in
    # its dedicated test.
    for config, test in DEDICATED_TESTS.items():
        assert osp.isfile(osp.join(REPO, 'configs', 'composition', config))
        with open(osp.join(REPO, test)) as f:
            assert osp.splitext(config)[0] in f.read(), (config, test)


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_runs_through_train_tool(path, tmp_path, fake_mnist_root,
                                 checkpoints):
    teacher_ckpt, cpsc_ckpt = checkpoints
    cfg = Config.fromfile(path)
    if 'teachers' in cfg.model:  # MMRazor's data-free algorithms
        options = [f'model.teachers.{name}.ckpt_path={teacher_ckpt}'
                   for name in cfg.model.teachers]
    else:
        options = [f'model.teacher_ckpt={teacher_ckpt}']
    options += [*mnist_val_options(fake_mnist_root),
                'val_dataloader.batch_size=20',
                'train_dataloader.batch_size=8']
    dataset = cfg.train_dataloader.dataset
    if dataset.type == 'GeneratorDataset':
        options += [f'train_dataloader.dataset.checkpoint={cpsc_ckpt}',
                    'train_dataloader.dataset.length=16']
    elif dataset.type == 'mmpretrain.HeldOutSplit':  # real training images
        options += [*mnist_train_options(fake_mnist_root)]
    if cfg.train_cfg.get('by_epoch', False):
        options += ['train_cfg.max_epochs=1']
    else:
        options += ['train_cfg.max_iters=2', 'train_cfg.val_interval=2']
    # tools/train.py's main() in this process (the configs are under test
    # here, not the tool's process): it returns, and the Runner validated.
    log = train_here(path, tmp_path / 'work', options)
    assert 'accuracy/top1' in log
