import pytest
import torch
from mmrazor.registry import MODELS

import mmrazor_cpsc  # noqa: F401


def test_constant_images_have_no_variation():
    loss = MODELS.build(dict(type='TotalVariationLoss'))
    assert loss(torch.full((2, 1, 6, 6), 0.7)).item() == 0.0


@pytest.mark.parametrize('p, expected', [(1, 2 * 1.5), (2, 2 * 1.5**2)])
def test_checkerboard_varies_by_its_contrast(p, expected):
    board = (torch.arange(8)[:, None] + torch.arange(8)[None, :]) % 2 * 1.5
    images = board.float().expand(3, 2, 8, 8)
    loss = MODELS.build(dict(type='TotalVariationLoss', p=p, loss_weight=2.0))
    assert loss(images).item() == pytest.approx(2.0 * expected)


def test_recorder_tuples_and_gradients():
    images = torch.randn(2, 1, 5, 5, requires_grad=True)
    loss = MODELS.build(dict(type='TotalVariationLoss'))((images, ))
    loss.backward()
    assert images.grad is not None and images.grad.abs().sum() > 0


def test_bad_arguments_are_explained():
    with pytest.raises(ValueError, match='p must be 1 or 2'):
        MODELS.build(dict(type='TotalVariationLoss', p=3))
    with pytest.raises(ValueError, match=r'\(N, C, H, W\)'):
        MODELS.build(dict(type='TotalVariationLoss'))(torch.zeros(4, 4))
