"""MMRazor's published CIFAR-10 data-free configs (DAFL, DFAD, ZSKT), as
rewritten under configs/baselines, build with MMRazor's own classes and train:
two real train_steps each on a tiny random batch, single process, with a
teacher loaded from a file on disk."""
import glob
import os.path as osp

import pytest
import torch
from conftest import REPO
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.optim import build_optim_wrapper
from mmpretrain.registry import MODELS as PRETRAIN_MODELS
from mmrazor.models import DAFLDataFreeDistillation, DataFreeDistillation
from mmrazor.registry import DATASETS, MODELS

# MMRazor's published ResNet-34 -> ResNet-18 settings (GPU scale); the
# CPU-sized WRN pair is tested in test_cifar10_cpu_suite.py.
CIFAR = sorted(glob.glob(osp.join(REPO, 'configs', 'baselines',
                                  '*_resnet34_resnet18_cifar10.py')))
CIFAR_CPU = sorted(glob.glob(osp.join(REPO, 'configs', 'baselines',
                                      '*_wrn16-2_wrn16-1_cifar10.py')))
MNIST = sorted(glob.glob(osp.join(REPO, 'configs', 'baselines',
                                  '*_mnist.py')))


def test_every_method_on_both_datasets():
    for paths in (CIFAR, CIFAR_CPU, MNIST):
        assert sorted(osp.basename(p).split('_')[0]
                      for p in paths) == ['dafl', 'dfad', 'zskt']


@pytest.mark.parametrize('path', CIFAR + CIFAR_CPU + MNIST, ids=osp.basename)
def test_config_is_data_free_and_mmpretrain_scoped(path):
    cfg = Config.fromfile(path)
    assert 'mmcls' not in cfg.pretty_text
    assert cfg.train_cfg.type == 'IterBasedTrainLoop'
    assert cfg.train_dataloader.dataset.type == 'DataFreeDataset'
    for teacher in cfg.model.teachers.values():
        assert teacher.build_cfg._scope_ == 'mmpretrain'
        assert not teacher.build_cfg.get('pretrained')  # nothing downloaded
    assert cfg.model.architecture._scope_ == 'mmpretrain'


@pytest.fixture(scope='module')
def resnet34_file(tmp_path_factory):
    cfg = Config.fromfile(osp.join(REPO, 'configs', '_base_', 'models',
                                   'resnet_cifar10.py'))
    torch.manual_seed(0)
    teacher = PRETRAIN_MODELS.build(cfg.resnet34_cifar10)
    path = tmp_path_factory.mktemp('teacher') / 'res34.pth'
    torch.save(teacher.state_dict(), path)
    return str(path), teacher.state_dict()


@pytest.mark.parametrize('path', CIFAR, ids=osp.basename)
def test_cifar_config_trains_two_steps(path, resnet34_file):
    teacher_file, teacher_weights = resnet34_file
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # see test_cpsc_configs.one_thread
    try:
        cfg = Config.fromfile(path)
        cfg.model.teachers.res34.ckpt_path = teacher_file
        cfg.model.student_iter = 1
        torch.manual_seed(0)
        model = MODELS.build(cfg.model)
        assert isinstance(model, (DAFLDataFreeDistillation,
                                  DataFreeDistillation))
        teacher = model.teachers['res34']
        for key, value in teacher_weights.items():
            assert torch.equal(teacher.state_dict()[key], value), key
        optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
        dataset = DATASETS.build(cfg.train_dataloader.dataset)
        data = pseudo_collate([dataset[i] for i in range(4)])
        student = [p.detach().clone() for p in model.student.parameters()]
        model.train()
        for _ in range(2):
            log_vars = model.train_step(data, optim_wrapper)
            for name, value in log_vars.items():
                assert torch.isfinite(torch.as_tensor(value)).all(), name
        assert any(not torch.equal(a, b)
                   for a, b in zip(student, model.student.parameters()))
        for key, value in teacher_weights.items():  # frozen, BN included
            assert torch.equal(teacher.state_dict()[key], value), key
    finally:
        torch.set_num_threads(threads)
