"""Per-sample random crop and flip of synthetic images for the student."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from mmrazor.registry import MODELS
from torch import nn


@MODELS.register_module()
class RandomCropFlip(nn.Module):
    """The CIFAR training augmentation, applied to a batch of synthetic
    images on their way to the student step's critics.

    Each image is zero-padded by ``padding`` pixels, cropped back to its size
    at an offset drawn per image, and mirrored left-right with probability
    ``flip_prob``: ``RandomCrop(padding=4)`` + ``RandomFlip`` of the real-data
    recipe, done on the batch tensor (no per-image Python loop). Zero padding
    is in the space the generator writes, the data preprocessor's normalised
    one, so the border is the dataset's mean colour, as in the real-data
    pipeline after normalisation. The draws use the global torch RNG (they
    follow the run's seed).

    Teacher and student see the same augmented images, so the teacher's
    targets stay correct for them; what changes is that the student is
    trained on a neighbourhood of each synthetic image rather than on the
    image alone (CMI, Fast-DFKD and NAYER augment their synthetic images
    for the student this way). Used by
    ``CPSCDataFreeDistillation(student_augment=...)`` and, for the
    baselines, ``ReplayDataFreeDistillation(student_augment=...)``.

    Args:
        padding (int): pixels of zero padding on each side, so offsets go
            from ``-padding`` to ``padding`` along each axis. 0 turns the
            crop off. Defaults to 4.
        flip_prob (float): probability of a horizontal flip, per image.
            Defaults to 0.5.

    Inputs:
        images (Tensor): (N, C, H, W).

    Returns:
        Tensor: (N, C, H, W), the augmented images.
    """

    def __init__(self, padding: int = 4, flip_prob: float = 0.5) -> None:
        super().__init__()
        if not isinstance(padding, int) or padding < 0:
            raise ValueError('RandomCropFlip: padding must be an integer >= '
                             f'0 (pixels), got {padding!r}.')
        if not 0.0 <= flip_prob <= 1.0:
            raise ValueError('RandomCropFlip: flip_prob is a probability in '
                             f'[0, 1], got {flip_prob!r}.')
        self.padding = padding
        self.flip_prob = flip_prob

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        if images.ndim != 4:
            raise ValueError('RandomCropFlip expects images of shape '
                             f'(N, C, H, W), got {tuple(images.shape)}.')
        num, _, height, width = images.shape
        if self.padding >= min(height, width):
            raise ValueError(
                f'RandomCropFlip: padding={self.padding} is not smaller than '
                f'the images ({height}x{width}); use a few pixels.')
        device = images.device
        if self.padding:
            padded = F.pad(images, [self.padding] * 4)
            dy, dx = torch.randint(0, 2 * self.padding + 1, (2, num, 1),
                                   device=device)
            rows = dy + torch.arange(height, device=device)  # (N, H)
            cols = dx + torch.arange(width, device=device)  # (N, W)
            batch = torch.arange(num, device=device)[:, None, None, None]
            channel = torch.arange(images.shape[1],
                                   device=device)[None, :, None, None]
            images = padded[batch, channel, rows[:, None, :, None],
                            cols[:, None, None, :]]
        if self.flip_prob:
            flip = torch.rand(num, device=device) < self.flip_prob
            images = torch.where(flip[:, None, None, None],
                                 images.flip(3), images)
        return images

    def extra_repr(self) -> str:
        return f'padding={self.padding}, flip_prob={self.flip_prob}'
