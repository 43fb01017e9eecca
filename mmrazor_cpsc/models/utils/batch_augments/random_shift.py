"""Random translation of synthetic images before the critics see them."""
from __future__ import annotations

import torch
from mmrazor.registry import MODELS
from torch import nn


@MODELS.register_module()
class RandomShift(nn.Module):
    """Shift a batch of images by a random number of pixels (with wrap-around).

    The "random jitter" of model inversion (DeepInversion, Yin et al. 2020,
    Sec. 3.2): the critics must classify the images at every offset, so the
    generator cannot satisfy the teacher with a pixel-exact high-frequency
    pattern and is pushed towards shapes. The whole batch moves by one offset
    ``(dy, dx)``, each drawn uniformly from ``[-max_shift, max_shift]`` with
    the global torch RNG (so it follows the run's seed). The shift is a
    ``torch.roll``: differentiable, no interpolation, no fill value to choose.

    Used by ``CPSCDataFreeDistillation(generator_augment=...)`` on the
    generator step only; the images a generator produces (grids,
    ``GeneratorDataset``) are never shifted.

    Args:
        max_shift (int): largest offset in pixels, along each axis. 0 makes
            the module the identity.

    Inputs:
        images (Tensor): (N, C, H, W).

    Returns:
        Tensor: (N, C, H, W), the shifted images.
    """

    def __init__(self, max_shift: int = 2) -> None:
        super().__init__()
        if not isinstance(max_shift, int) or max_shift < 0:
            raise ValueError('RandomShift: max_shift must be an integer >= 0 '
                             f'(pixels), got {max_shift!r}.')
        self.max_shift = max_shift

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        if images.ndim != 4:
            raise ValueError('RandomShift expects images of shape '
                             f'(N, C, H, W), got {tuple(images.shape)}.')
        if self.max_shift == 0:
            return images
        height, width = images.shape[-2:]
        if self.max_shift >= min(height, width):
            raise ValueError(
                f'RandomShift: max_shift={self.max_shift} is not smaller than '
                f'the images ({height}x{width}); use a few pixels.')
        dy, dx = torch.randint(-self.max_shift, self.max_shift + 1,
                               (2, )).tolist()
        return torch.roll(images, shifts=(dy, dx), dims=(2, 3))

    def extra_repr(self) -> str:
        return f'max_shift={self.max_shift}'
