"""Total variation of synthetic images: a smoothness prior for generators."""
from __future__ import annotations

from typing import Sequence, Union

import torch
from mmrazor.registry import MODELS
from torch import nn


@MODELS.register_module()
class TotalVariationLoss(nn.Module):
    """Mean difference between neighbouring pixels of a batch of images.

    ``TV_p(x) = mean |x[..., i+1, j] - x[..., i, j]|^p
    + mean |x[..., i, j+1] - x[..., i, j]|^p``, the image prior of model
    inversion (DeepInversion, Yin et al. 2020, Eq. 3). It is not a term of
    CPSC-DFKD's L_G: the adversarial terms want *hard* samples, this prior
    wants natural-looking ones. Use it where images are the product, e.g.
    when refining a trained generator into a dataset
    (``configs/cpsc/cpsc_generator_refine_*``). Feed it the images with a
    ``ModuleInputs`` recorder on the teacher's first layer.

    Args:
        loss_weight (float): weight of the term. Defaults to 1.0.
        p (int): 1 (anisotropic TV, keeps edges) or 2 (smoother).
            Defaults to 2.

    Inputs:
        images (Tensor | Sequence[Tensor]): (N, C, H, W); a recorder's tuple
            of inputs is accepted, its first element is used.

    Returns:
        Tensor: scalar.
    """

    def __init__(self, loss_weight: float = 1.0, p: int = 2) -> None:
        super().__init__()
        if p not in (1, 2):
            raise ValueError(f'TotalVariationLoss: p must be 1 or 2, got {p}.')
        self.loss_weight = loss_weight
        self.p = p

    def forward(self, images: Union[torch.Tensor, Sequence]) -> torch.Tensor:
        if isinstance(images, (tuple, list)):
            images = images[0]
        if images.ndim != 4:
            raise ValueError('TotalVariationLoss expects images of shape '
                             f'(N, C, H, W), got {tuple(images.shape)}.')
        vertical = images[:, :, 1:, :] - images[:, :, :-1, :]
        horizontal = images[:, :, :, 1:] - images[:, :, :, :-1]
        if self.p == 1:
            tv = vertical.abs().mean() + horizontal.abs().mean()
        else:
            tv = vertical.square().mean() + horizontal.square().mean()
        return self.loss_weight * tv
