"""Class-by-row grids of synthetic images, in the data's own pixel range."""
from __future__ import annotations

from typing import Optional, Sequence, Tuple

import torch
from torch import nn


def denormalize(images: torch.Tensor, mean: Optional[Sequence[float]],
                std: Optional[Sequence[float]]) -> torch.Tensor:
    """Undo a data preprocessor's ``(x - mean) / std``; returns [0, 1] floats.

    ``mean``/``std`` are in the preprocessor's 0-255 pixel units; without them
    the images are taken to be in [-1, 1].
    """
    if mean is None or std is None:
        return ((images + 1) / 2).clamp(0, 1)
    mean_t = images.new_tensor(mean).view(1, -1, 1, 1)
    std_t = images.new_tensor(std).view(1, -1, 1, 1)
    return ((images * std_t + mean_t) / 255).clamp(0, 1)


def normalize(pixels: torch.Tensor, mean: Optional[Sequence[float]],
              std: Optional[Sequence[float]]) -> torch.Tensor:
    """The inverse of :func:`denormalize`: [0, 1] pixels to model inputs."""
    if mean is None or std is None:
        return pixels * 2 - 1
    mean_t = pixels.new_tensor(mean).view(1, -1, 1, 1)
    std_t = pixels.new_tensor(std).view(1, -1, 1, 1)
    return (pixels * 255 - mean_t) / std_t


@torch.no_grad()
def class_rows(generator: nn.Module, classes: Sequence[int], per_class: int,
               seed: int = 0) -> Tuple[torch.Tensor, torch.Tensor]:
    """``per_class`` images for each class, ordered row by row.

    The generator runs in training mode on this class-balanced batch (BN with
    batch statistics, as during distillation) and is restored afterwards.

    Returns:
        (images (K*per_class, C, H, W) in the model's input space,
        labels (K*per_class,)).
    """
    device = next(generator.parameters()).device
    labels = torch.tensor(classes, device=device).repeat_interleave(per_class)
    rng = torch.Generator(device='cpu').manual_seed(seed)
    z = torch.randn(labels.numel(), generator.latent_dim, generator=rng)
    was_training = generator.training
    generator.train()
    try:
        images = generator(z.to(device), labels)
    finally:
        generator.train(was_training)
    return images, labels
