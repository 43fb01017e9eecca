import pytest
import torch
from mmpretrain.registry import MODELS
from torch import nn


# conv + BN + fc parameters counted by hand, e.g. for LeNet-5:
# (25+1)*6 + 12 + (150+1)*16 + 32 + (400+1)*120 + 240 + (120+1)*84 = 61140
@pytest.mark.parametrize('channels,fc,params', [((6, 16, 120), 84, 61_140),
                                                ((3, 8, 60), 42, 15_450)])
def test_widths_and_size(channels, fc, params):
    backbone = MODELS.build(dict(type='LeNet5BN', channels=channels,
                                 fc_channels=fc))
    (feat, ) = backbone(torch.randn(2, 1, 32, 32))
    assert feat.shape == (2, fc)
    n_bn = sum(isinstance(m, nn.BatchNorm2d) for m in backbone.modules())
    assert n_bn == 3  # BN after every convolution
    assert sum(p.numel() for p in backbone.parameters()) == params


def test_classifier_builds_in_mmpretrain_scope():
    model = MODELS.build(dict(
        _scope_='mmpretrain', type='ImageClassifier',
        backbone=dict(type='LeNet5BN'),
        head=dict(type='LinearClsHead', num_classes=10, in_channels=84)))
    assert model(torch.randn(3, 1, 32, 32), mode='tensor').shape == (3, 10)


def test_wrong_input_size_is_explained():
    backbone = MODELS.build(dict(type='LeNet5BN'))
    with pytest.raises(ValueError, match='32x32'):
        backbone(torch.randn(1, 1, 28, 28))


def test_fx_traceable_for_quantization():
    # MMRazor's quantizers trace the model with torch.fx; the input-size
    # check must not turn into control flow on a traced value.
    backbone = MODELS.build(dict(type='LeNet5BN')).eval()
    traced = torch.fx.symbolic_trace(backbone)
    x = torch.randn(2, 1, 32, 32)
    assert torch.equal(traced(x)[0], backbone(x)[0])
