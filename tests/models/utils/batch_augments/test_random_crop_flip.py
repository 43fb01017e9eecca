import pytest
import torch
from conftest import crop_flip_of
from mmrazor.registry import MODELS

from mmrazor_cpsc.models.utils import RandomCropFlip


def test_each_image_is_a_padded_crop_of_itself_possibly_mirrored():
    torch.manual_seed(0)
    images = torch.randn(16, 3, 8, 8)
    out = RandomCropFlip(padding=2)(images)
    assert out.shape == images.shape
    draws = set()
    for original, augmented in zip(images, out):
        matches = crop_flip_of(original, augmented, 2)
        assert matches, 'an output is not a crop/flip of its own input'
        draws |= matches
    # Per-image draws: sixteen images did not all get one offset and flip.
    assert len(draws) > 2
    assert {flipped for _, _, flipped in draws} == {False, True}


def test_no_padding_no_flip_is_the_identity_and_it_builds_from_config():
    images = torch.randn(4, 1, 6, 6)
    aug = MODELS.build(dict(type='RandomCropFlip', padding=0, flip_prob=0.0))
    assert torch.equal(aug(images), images)
    assert torch.equal(RandomCropFlip(padding=0, flip_prob=1.0)(images),
                       images.flip(3))


def test_follows_the_seed():
    images = torch.randn(8, 3, 8, 8)
    torch.manual_seed(3)
    first = RandomCropFlip()(images)
    torch.manual_seed(3)
    assert torch.equal(RandomCropFlip()(images), first)


@pytest.mark.parametrize('kwargs,message', [
    (dict(padding=-1), 'padding must be an integer'),
    (dict(padding=1.5), 'padding must be an integer'),
    (dict(flip_prob=2.0), 'flip_prob is a probability'),
])
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        RandomCropFlip(**kwargs)


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match=r'\(N, C, H, W\)'):
        RandomCropFlip()(torch.randn(3, 8, 8))
    with pytest.raises(ValueError, match='not smaller than the images'):
        RandomCropFlip(padding=4)(torch.randn(2, 3, 4, 4))
