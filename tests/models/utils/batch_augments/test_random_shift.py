import pytest
import torch
from mmrazor.registry import MODELS

import mmrazor_cpsc  # noqa: F401


def test_shifts_the_whole_batch_by_one_offset_within_bounds():
    shift = MODELS.build(dict(type='RandomShift', max_shift=2))
    images = torch.zeros(3, 1, 9, 9)
    images[:, :, 4, 4] = torch.tensor([1., 2., 3.])[:, None]
    seen = set()
    for _ in range(200):
        out = shift(images)
        assert out.shape == images.shape
        # Pixels move, values do not change (no interpolation).
        assert torch.equal(out.sum((1, 2, 3)), images.sum((1, 2, 3)))
        rows, cols = torch.nonzero(out[:, 0], as_tuple=True)[1:]
        assert len(set(rows.tolist())) == 1 and len(set(cols.tolist())) == 1
        seen.add((rows[0].item() - 4, cols[0].item() - 4))
    assert seen == {(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)}


def test_follows_the_torch_seed_and_passes_gradients():
    shift = MODELS.build(dict(type='RandomShift', max_shift=3))
    images = torch.randn(2, 1, 8, 8, requires_grad=True)
    torch.manual_seed(1)
    first = shift(images)
    torch.manual_seed(1)
    assert torch.equal(shift(images), first)
    first.square().sum().backward()
    assert torch.allclose(images.grad, 2 * images.detach())


def test_zero_shift_is_the_identity_and_bad_values_are_explained():
    images = torch.randn(2, 1, 4, 4)
    assert MODELS.build(dict(type='RandomShift', max_shift=0))(
        images) is images
    with pytest.raises(ValueError, match='integer >= 0'):
        MODELS.build(dict(type='RandomShift', max_shift=-1))
    with pytest.raises(ValueError, match='not smaller than the images'):
        MODELS.build(dict(type='RandomShift', max_shift=4))(images)
    with pytest.raises(ValueError, match=r'\(N, C, H, W\)'):
        MODELS.build(dict(type='RandomShift'))(torch.zeros(4, 4))
