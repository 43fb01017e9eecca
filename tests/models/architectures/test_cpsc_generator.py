import pytest
import torch
from mmrazor.registry import MODELS

from mmrazor_cpsc.models import ConditionalBatchNorm2d, CPSCGenerator


@pytest.mark.parametrize('img_size,channels', [(32, 1), (32, 3), (64, 3),
                                                (28, 1)])
def test_output_shape(img_size, channels):
    gen = MODELS.build(dict(type='CPSCGenerator', img_size=img_size,
                            latent_dim=8, hidden_channels=4,
                            out_channels=channels, num_classes=10))
    out = gen(torch.randn(5, 8), torch.arange(5))
    assert out.shape == (5, channels, img_size, img_size)
    assert torch.isfinite(out).all()


def test_range_bounded_without_final_norm():
    gen = CPSCGenerator(img_size=32, latent_dim=8, hidden_channels=4,
                        out_channels=3, num_classes=10, final_norm=False)
    out = gen(torch.randn(16, 8) * 10, torch.arange(16) % 10)
    assert out.abs().max() <= 1.0


def test_final_norm_normalises_each_channel():
    gen = CPSCGenerator(img_size=32, latent_dim=8, hidden_channels=4,
                        out_channels=3, num_classes=10)
    out = gen(torch.randn(64, 8), torch.arange(64) % 10)
    # Identity class affine at init: per-channel batch mean 0, variance 1.
    assert torch.allclose(out.mean(dim=(0, 2, 3)), torch.zeros(3), atol=1e-4)
    assert torch.allclose(out.var(dim=(0, 2, 3), unbiased=False),
                          torch.ones(3), atol=1e-2)


def test_labels_condition_the_images():
    torch.manual_seed(0)
    gen = CPSCGenerator(img_size=32, latent_dim=8, hidden_channels=4,
                        out_channels=1, num_classes=10)
    # Give each class its own scale/shift, as training does.
    for module in gen.modules():
        if isinstance(module, ConditionalBatchNorm2d):
            torch.nn.init.normal_(module.scale.weight, 1.0, 0.3)
            torch.nn.init.normal_(module.shift.weight, 0.0, 0.3)
    gen.eval()
    z = torch.randn(1, 8).repeat(2, 1)
    out = gen(z, torch.tensor([3, 7]))
    assert not torch.allclose(out[0], out[1], atol=1e-3)
    same = gen(z, torch.tensor([3, 3]))
    assert torch.allclose(same[0], same[1])


def test_only_the_used_class_embeddings_receive_gradients():
    gen = CPSCGenerator(img_size=32, latent_dim=8, hidden_channels=4,
                        out_channels=1, num_classes=10)
    out = gen(torch.randn(4, 8), torch.tensor([2, 2, 5, 5]))
    (out * torch.randn_like(out)).sum().backward()
    for module in gen.modules():
        if isinstance(module, ConditionalBatchNorm2d):
            grad_rows = module.scale.weight.grad.abs().sum(1)
            assert grad_rows[2] > 0 and grad_rows[5] > 0
            assert grad_rows[[0, 1, 3, 4, 6, 7, 8, 9]].sum() == 0
            assert module.shift.weight.grad.abs().sum(1)[2] > 0


def test_embeddings_start_as_identity_affine():
    cbn = ConditionalBatchNorm2d(4, num_classes=3)
    assert torch.equal(cbn.scale.weight, torch.ones(3, 4))
    assert torch.equal(cbn.shift.weight, torch.zeros(3, 4))


def test_output_bounds_clip_values_but_pass_gradients():
    torch.manual_seed(0)
    bounds = (-0.42, 2.81)  # MNIST black and white after normalisation
    free = CPSCGenerator(img_size=16, latent_dim=8, hidden_channels=4,
                         out_channels=1, num_classes=10)
    bounded = CPSCGenerator(img_size=16, latent_dim=8, hidden_channels=4,
                            out_channels=1, num_classes=10,
                            output_bounds=bounds)
    bounded.load_state_dict(free.state_dict())
    z, y = torch.randn(32, 8), torch.arange(32) % 10
    out_free, out_bounded = free(z, y), bounded(z, y)
    below = out_free < bounds[0]
    assert below.any()  # the unbounded output does leave the pixel range
    assert out_bounded.min() >= bounds[0] and out_bounded.max() <= bounds[1]
    assert torch.equal(out_bounded, out_free.clamp(*bounds))
    # Asking a below-black pixel to light up must reach the generator.
    (out_bounded * below).sum().backward()
    assert bounded.to_image.weight.grad.abs().sum() > 0


def test_shared_final_norm_gives_every_class_one_colour_statistic():
    """The paper's last CBN lets each class own a colour cast; 'shared' has
    one affine for all classes, so the same output layer statistics hold
    whatever the label."""
    torch.manual_seed(0)
    kwargs = dict(img_size=8, latent_dim=4, hidden_channels=2,
                  out_channels=3, num_classes=4)
    conditional = CPSCGenerator(**kwargs)
    shared = CPSCGenerator(final_norm='shared', **kwargs)
    assert isinstance(shared.norm_out, torch.nn.BatchNorm2d)
    assert shared.norm_out.weight.shape == (3, )
    assert CPSCGenerator(final_norm='none', **kwargs).norm_out is None
    # A trained class-conditional output shifts class 0's colour by +2:
    # an image of class 0 and one of class 1 from one noise differ by it.
    conditional.norm_out.shift.weight.data[0] = 2.0
    shared.load_state_dict({k: v for k, v in conditional.state_dict().items()
                            if not k.startswith('norm_out')}, strict=False)
    for gen in (conditional, shared):
        gen.eval()
    z = torch.randn(1, 4).repeat(2, 1)
    labels = torch.tensor([0, 1])
    gap = lambda out: (out[0] - out[1]).mean().item()  # noqa: E731
    assert gap(conditional(z, labels)) == pytest.approx(2.0, abs=0.5)
    assert abs(gap(shared(z, labels))) < 0.5


@pytest.mark.parametrize('kwargs,match', [
    (dict(final_norm='per_class'), "'conditional', 'shared', 'none'"),
    (dict(img_size=30), 'multiple of 4'),
    (dict(num_classes=1), 'num_classes'),
    (dict(output_bounds=(2.8, -0.4)), 'low < high'),
    (dict(output_bounds=(0.0, )), 'low < high'),
])
def test_bad_arguments_are_explained(kwargs, match):
    with pytest.raises(ValueError, match=match):
        CPSCGenerator(**kwargs)


def test_bad_inputs_are_explained():
    gen = CPSCGenerator(latent_dim=8, hidden_channels=4)
    with pytest.raises(ValueError, match=r'\(N, 8\)'):
        gen(torch.randn(2, 9), torch.tensor([0, 1]))
    with pytest.raises(ValueError, match='one label per noise'):
        gen(torch.randn(2, 8), torch.tensor([0, 1, 2]))


def test_channels_last_computes_the_same_images_and_gradients():
    torch.manual_seed(0)
    fast = CPSCGenerator(img_size=16, latent_dim=8, hidden_channels=8,
                         out_channels=3, num_classes=4)
    plain = CPSCGenerator(img_size=16, latent_dim=8, hidden_channels=8,
                          out_channels=3, num_classes=4, channels_last=False)
    plain.load_state_dict(fast.state_dict())
    # float64, so that only a layout bug, not rounding, can tell them apart.
    fast, plain = fast.double(), plain.double()
    z = torch.randn(6, 8, dtype=torch.float64)
    y = torch.tensor([0, 1, 2, 3, 0, 1])
    out_fast, out_plain = fast(z, y), plain(z, y)
    # Downstream models get the usual layout, whatever runs inside.
    assert out_fast.is_contiguous()
    assert torch.allclose(out_fast, out_plain, atol=1e-10)
    out_fast.square().sum().backward()
    out_plain.square().sum().backward()
    for (name, p_fast), p_plain in zip(fast.named_parameters(),
                                       plain.parameters()):
        assert torch.allclose(p_fast.grad, p_plain.grad, atol=1e-10), name
