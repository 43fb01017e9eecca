"""Mean, std and channels of the training images."""
import numpy as np
import pytest
from PIL import Image

from mmrazor_cpsc.datasets.preparation import LayoutError, image_statistics


def test_grey_images_give_one_channel_and_exact_statistics(tmp_path):
    paths = []
    for value in (50, 150):
        paths.append(str(tmp_path / f'{value}.png'))
        Image.new('L', (10, 10), value).save(paths[-1])
    assert image_statistics(paths, 8) == (1, [100.0], [50.0])


def test_one_colour_image_makes_the_set_rgb(tmp_path):
    grey, colour = str(tmp_path / 'g.png'), str(tmp_path / 'c.png')
    Image.new('L', (4, 4), 10).save(grey)
    Image.new('RGB', (4, 4), (10, 20, 30)).save(colour)
    channels, mean, std = image_statistics([grey, colour], 4)
    assert channels == 3
    np.testing.assert_allclose(mean, [10, 15, 20])
    np.testing.assert_allclose(std, [0, 5, 10], atol=1e-3)


def test_an_unreadable_training_image_is_named(tmp_path):
    good, bad = str(tmp_path / 'good.png'), tmp_path / 'bad.png'
    Image.new('L', (4, 4)).save(good)
    bad.write_bytes(b'\x89PNG garbage')
    with pytest.raises(LayoutError, match=f'{bad} cannot be decoded'):
        image_statistics([good, str(bad)], 4)
