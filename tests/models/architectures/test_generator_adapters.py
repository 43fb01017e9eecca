import pytest
import torch
from mmrazor.registry import MODELS
from torch import nn


@pytest.mark.parametrize('kind', ['DAFLGenerator', 'ZSKTGenerator'])
def test_out_channels_generator_rehead_mmrazor_generators(kind):
    gen = MODELS.build(dict(
        type='OutChannelsGenerator', out_channels=1,
        generator=dict(type=kind, img_size=32, latent_dim=16,
                       hidden_channels=8)))
    out = gen(torch.randn(4, 16), 4)
    assert out.shape == (4, 1, 32, 32)
    assert gen.latent_dim == 16 and gen.module is gen
    convs = [m for m in gen.modules() if isinstance(m, nn.Conv2d)]
    assert convs[-1].out_channels == 1
    assert not any(isinstance(m, nn.BatchNorm2d) and m.num_features == 3
                   for m in gen.modules())


def test_label_sampling_generator_feeds_labels():
    gen = MODELS.build(dict(
        type='LabelSamplingGenerator',
        generator=dict(type='CPSCGenerator', img_size=32, latent_dim=8,
                       hidden_channels=4, out_channels=1, num_classes=10)))
    out = gen(None, 20)
    assert out.shape == (20, 1, 32, 32)
    counts = torch.bincount(gen.last_labels, minlength=10)
    assert counts.tolist() == [2] * 10  # balanced
    assert gen.latent_dim == 8 and gen.module is gen


def test_label_sampling_generator_refuses_unconditional():
    with pytest.raises(TypeError, match='class-conditional'):
        MODELS.build(dict(
            type='LabelSamplingGenerator',
            generator=dict(type='DAFLGenerator', img_size=32, latent_dim=8,
                           hidden_channels=4)))


def test_out_channels_generator_channels_last_keeps_the_numbers():
    cfg = dict(type='OutChannelsGenerator', out_channels=1,
               generator=dict(type='DAFLGenerator', img_size=16,
                              latent_dim=8, hidden_channels=8))
    torch.manual_seed(0)
    fast = MODELS.build(cfg)
    plain = MODELS.build(dict(cfg, channels_last=False))
    plain.load_state_dict(fast.state_dict())
    z = torch.randn(4, 8)
    out_fast, out_plain = fast(z, 4), plain(z, 4)
    assert out_fast.is_contiguous()
    assert torch.allclose(out_fast, out_plain, atol=1e-5)
