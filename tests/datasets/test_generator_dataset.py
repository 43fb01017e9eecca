import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmpretrain.models import ClsDataPreprocessor
from mmrazor.registry import DATASETS, MODELS

GEN = dict(type='CPSCGenerator', img_size=32, latent_dim=8,
           hidden_channels=4, out_channels=1, num_classes=10)
MEAN, STD = [33.46], [78.87]


@pytest.fixture
def checkpoint(tmp_path):
    """A CPSC-style checkpoint: generator weights under 'generator.'."""
    torch.manual_seed(0)
    gen = MODELS.build(GEN)
    for module in gen.modules():  # per-class statistics, as after training
        if hasattr(module, 'shift'):
            torch.nn.init.normal_(module.shift.weight, 0, 1)
    state = {f'generator.{k}': v for k, v in gen.state_dict().items()}
    state['architecture.w'] = torch.zeros(1)
    path = tmp_path / 'cpsc.pth'
    torch.save({'state_dict': state, 'meta': {'iter': 3}}, path)
    return str(path), gen


def build(path, **kwargs):
    cfg = dict(type='GeneratorDataset', generator=GEN, checkpoint=path,
               length=50, mean=MEAN, std=STD, synth_batch_size=20,
               pipeline=[dict(type='mmpretrain.PackInputs')])
    return DATASETS.build(dict(cfg, **kwargs))


def test_items_are_pixels_with_balanced_labels(checkpoint):
    dataset = build(checkpoint[0])
    assert len(dataset) == 50
    info = dataset.get_data_info(0)
    assert info['img'].dtype == np.uint8 and info['img'].shape == (32, 32, 1)
    labels = [dataset.get_data_info(i)['gt_label'] for i in range(50)]
    assert np.bincount(labels, minlength=10).tolist() == [5] * 10
    item = dataset[0]
    assert item['inputs'].shape == (1, 32, 32)
    assert int(item['data_samples'].gt_label) == labels[0]


def test_reproducible_by_seed(checkpoint):
    a, b = build(checkpoint[0], seed=3), build(checkpoint[0], seed=3)
    c = build(checkpoint[0], seed=4)
    assert np.array_equal(a.get_data_info(7)['img'], b.get_data_info(7)['img'])
    assert not np.array_equal(a.get_data_info(7)['img'],
                              c.get_data_info(7)['img'])


def test_pixels_round_trip_to_the_generator_space(checkpoint):
    """Preprocessing the stored pixels gives back the generator's images."""
    path, gen = checkpoint
    dataset = build(path, length=10, seed=1)
    batch = pseudo_collate([dataset[i] for i in range(10)])
    normalised = ClsDataPreprocessor(mean=MEAN, std=STD)(batch)['inputs']
    # Same noise and labels as the dataset drew:
    rng = torch.Generator().manual_seed(1)
    labels = (torch.arange(10) % 10)[torch.randperm(10, generator=rng)]
    z = torch.randn(10, 8, generator=rng)
    with torch.no_grad():
        expected = gen.train()(z, labels)
    inside = (expected * STD[0] + MEAN[0] > 0) & (
        expected * STD[0] + MEAN[0] < 255)  # not clipped by uint8
    assert torch.allclose(normalised[inside], expected[inside],
                          atol=0.5 / STD[0] + 1e-4)


def test_wrong_generator_config_is_explained(checkpoint):
    with pytest.raises(ValueError, match='does not fit the generator.*shape mismatches'):
        DATASETS.build(dict(
            type='GeneratorDataset', generator=dict(GEN, hidden_channels=8),
            checkpoint=checkpoint[0], length=4))


@pytest.fixture
def teacher_ckpt(tmp_path):
    """A classifier that predicts class 7 for every image."""
    torch.manual_seed(1)
    cfg = dict(_scope_='mmpretrain', type='ImageClassifier',
               backbone=dict(type='LeNet5BN', channels=(3, 8, 60),
                             fc_channels=42),
               head=dict(type='LinearClsHead', num_classes=10,
                         in_channels=42))
    teacher = MODELS.build(cfg)
    with torch.no_grad():
        teacher.head.fc.bias[7] += 1e3
    path = tmp_path / 'teacher.pth'
    torch.save(teacher.state_dict(), path)
    return cfg, str(path)


def test_teacher_labels_replace_the_generator_class(checkpoint, teacher_ckpt):
    cfg, path = teacher_ckpt
    dataset = build(checkpoint[0], label_source='teacher', teacher=cfg,
                    teacher_ckpt=path)
    infos = [dataset.get_data_info(i) for i in range(50)]
    assert {info['gt_label'] for info in infos} == {7}
    # The generator's classes stay available, still balanced.
    intended = [info['intended_label'] for info in infos]
    assert np.bincount(intended, minlength=10).tolist() == [5] * 10
    # Same images as with the generator's labels.
    plain = build(checkpoint[0])
    assert np.array_equal(plain.get_data_info(3)['img'], infos[3]['img'])


def test_teacher_labels_need_the_teacher(checkpoint):
    with pytest.raises(ValueError, match='teacher_ckpt=<path>'):
        build(checkpoint[0], label_source='teacher')
    with pytest.raises(ValueError, match="'generator' or 'teacher'"):
        build(checkpoint[0], label_source='oracle')
