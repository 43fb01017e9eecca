"""ToGrayscale: what a grey PNG read by mmcv becomes for a 1-channel net."""
import numpy as np
import pytest
from mmpretrain.registry import TRANSFORMS


def test_grey_file_read_as_bgr_comes_back_unchanged():
    grey = np.random.default_rng(0).integers(0, 256, (5, 7)).astype(np.uint8)
    bgr = np.repeat(grey[..., None], 3, axis=2)  # how mmcv reads a grey PNG
    out = TRANSFORMS.build(dict(type='ToGrayscale'))(dict(img=bgr))['img']
    assert out.dtype == np.uint8 and out.shape == (5, 7)
    np.testing.assert_array_equal(out, grey)


def test_colour_uses_bt601_luma_in_bgr_order():
    pure = np.zeros((1, 3, 3), np.uint8)
    pure[0, 0, 0], pure[0, 1, 1], pure[0, 2, 2] = 255, 255, 255  # B, G, R
    out = TRANSFORMS.build(dict(type='ToGrayscale'))(dict(img=pure))['img']
    np.testing.assert_array_equal(out[0], [29, 150, 76])


def test_other_shapes():
    transform = TRANSFORMS.build(dict(type='ToGrayscale'))
    one = np.full((2, 2, 1), 9, np.uint8)
    assert transform(dict(img=one))['img'].shape == (2, 2)
    with pytest.raises(ValueError, match='H x W x 3'):
        transform(dict(img=np.zeros((2, 2, 4), np.uint8)))
