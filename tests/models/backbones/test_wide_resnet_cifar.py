"""WideResNet_CIFAR: the WRN-d-k family of DFKD papers."""
import pytest
import torch
from mmpretrain.registry import MODELS
from torch import nn


@pytest.fixture(autouse=True)
def one_thread():
    # Two OpenMP threads on a busy 2-core machine are several times slower.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _build(depth, widen_factor, **kwargs):
    return MODELS.build(dict(type='WideResNet_CIFAR', depth=depth,
                             widen_factor=widen_factor, **kwargs))


def _n_params(module):
    return sum(p.numel() for p in module.parameters())


# Widths 16k/32k/64k; (depth - 4) / 6 blocks per group, 2 convs + 2 BNs each.
@pytest.mark.parametrize('depth,k', [(16, 1), (16, 2), (40, 2)])
def test_feature_shape_and_structure(depth, k):
    torch.manual_seed(0)
    backbone = _build(depth, k)
    backbone.init_weights()
    outs = backbone(torch.randn(2, 3, 32, 32))
    assert isinstance(outs, tuple) and len(outs) == 1
    assert outs[0].shape == (2, 64 * k, 8, 8)
    assert backbone.out_channels == 64 * k
    assert (outs[0] >= 0).all()  # final BN + ReLU
    blocks = (depth - 4) // 6
    assert [len(g) for g in backbone.groups] == [blocks] * 3
    assert [g[-1].conv2.out_channels for g in backbone.groups] == [
        16 * k, 32 * k, 64 * k]
    convs = [m for m in backbone.modules()
             if isinstance(m, nn.Conv2d) and m.kernel_size == (3, 3)]
    assert len(convs) == depth - 4 + 1  # stem + 2 per block (+ fc = depth)
    n_bn = sum(isinstance(m, nn.BatchNorm2d) for m in backbone.modules())
    assert n_bn == 2 * 3 * blocks + 1


def test_parameter_counts_match_the_paper():
    # Zagoruyko & Komodakis / DFKD tables: WRN-40-2 2.2M, WRN-16-2 0.7M,
    # WRN-16-1 0.17M (the 10-class classifier adds < 1.3k).
    assert 2.1e6 < _n_params(_build(40, 2)) < 2.3e6
    assert 0.65e6 < _n_params(_build(16, 2)) < 0.75e6
    assert 0.16e6 < _n_params(_build(16, 1)) < 0.18e6


def test_downsamples_any_input_size_by_four():
    backbone = _build(16, 1).eval()
    assert backbone(torch.randn(1, 3, 64, 64))[0].shape == (1, 64, 16, 16)


def test_dropout_only_in_training():
    backbone = _build(16, 1, drop_rate=0.5)
    x = torch.randn(2, 3, 32, 32)
    assert not torch.equal(backbone(x)[0], backbone(x)[0])
    backbone.eval()
    assert torch.equal(backbone(x)[0], backbone(x)[0])


def test_classifier_in_mmpretrain_scope():
    model = MODELS.build(dict(
        _scope_='mmpretrain', type='ImageClassifier',
        backbone=dict(type='WideResNet_CIFAR', depth=16, widen_factor=1),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=100, in_channels=64)))
    assert model(torch.randn(2, 3, 32, 32), mode='tensor').shape == (2, 100)


@pytest.mark.parametrize('depth', [15, 20, 4, 0, -2, 16.0])
def test_bad_depth_raises(depth):
    with pytest.raises(ValueError, match=r'\(depth - 4\) % 6 == 0'):
        _build(depth, 1)


@pytest.mark.parametrize('kwargs', [dict(widen_factor=0),
                                    dict(drop_rate=1.0)])
def test_bad_width_or_dropout_raises(kwargs):
    kwargs = dict(dict(depth=16, widen_factor=1), **kwargs)
    with pytest.raises(ValueError, match='WideResNet_CIFAR'):
        MODELS.build(dict(type='WideResNet_CIFAR', **kwargs))
