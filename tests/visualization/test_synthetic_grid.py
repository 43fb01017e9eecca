import pytest
import torch

from mmrazor_cpsc.models import CPSCGenerator
from mmrazor_cpsc.visualization import class_rows, denormalize, normalize


def test_denormalize_inverts_the_preprocessor():
    pixels = torch.tensor([0.0, 33.46, 255.0]).view(1, 1, 3, 1)
    normalised = (pixels - 33.46) / 78.87
    restored = denormalize(normalised, [33.46], [78.87])
    assert torch.allclose(restored, pixels / 255, atol=1e-6)
    assert denormalize(torch.tensor([-3.0, 0.0, 3.0]).view(1, 1, 3, 1),
                       None, None).flatten().tolist() == [0.0, 0.5, 1.0]


def test_class_rows_are_ordered_reproducible_and_restore_mode():
    gen = CPSCGenerator(img_size=32, latent_dim=8, hidden_channels=4,
                        out_channels=1, num_classes=10).eval()
    images, labels = class_rows(gen, [0, 1, 2], per_class=4, seed=5)
    assert images.shape == (12, 1, 32, 32)
    assert labels.tolist() == [0] * 4 + [1] * 4 + [2] * 4
    again, _ = class_rows(gen, [0, 1, 2], per_class=4, seed=5)
    assert torch.equal(images, again)
    assert not gen.training


@pytest.mark.parametrize('mean,std', [([33.46], [78.87]), (None, None)])
def test_normalize_inverts_denormalize_inside_the_pixel_range(mean, std):
    pixels = torch.rand(2, 1, 4, 4)
    back = denormalize(normalize(pixels, mean, std), mean, std)
    assert torch.allclose(back, pixels, atol=1e-6)
