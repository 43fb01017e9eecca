"""ChannelsLastHook: every convolution's weight channels-last, same values,
same outputs (within float32 rounding)."""
from types import SimpleNamespace

import torch
from mmpretrain.registry import MODELS as PRETRAIN_MODELS
from mmrazor.registry import HOOKS


def test_converts_every_conv_and_keeps_the_function():
    torch.manual_seed(0)
    model = PRETRAIN_MODELS.build(dict(
        _scope_='mmpretrain', type='ImageClassifier',
        backbone=dict(type='mmrazor.WideResNet', depth=10, widen_factor=1),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=10, in_channels=64)))
    model.eval()
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        before = model(x, mode='tensor')
    weights = {k: v.clone() for k, v in model.state_dict().items()}
    HOOKS.build(dict(type='ChannelsLastHook')).before_run(
        SimpleNamespace(model=model))
    convs = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    assert convs and all(
        c.weight.is_contiguous(memory_format=torch.channels_last)
        for c in convs)
    for key, value in model.state_dict().items():
        assert torch.equal(value, weights[key]), key
    with torch.no_grad():
        after = model(x, mode='tensor')
    torch.testing.assert_close(after, before, rtol=1e-4, atol=1e-5)
