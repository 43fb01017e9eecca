"""Intra-class diversity of conditional synthetic images (mode seeking)."""
from __future__ import annotations

from typing import Sequence, Union

import torch
from mmrazor.registry import MODELS
from torch import nn

from ._utils import LabelsLike, as_label_tensor


@MODELS.register_module()
class IntraClassDiversityLoss(nn.Module):
    """Reward a conditional generator for different images of one class.

    A conditional generator can satisfy "the teacher sees class y" with one
    image per class and ignore its noise (intra-class mode collapse, the
    failure of CPSC's generator on the CIFAR-10 CPU pair: 91 % teacher
    agreement, near-identical rows). Mode-seeking regularisation (Mao et al.,
    "Mode Seeking GANs", CVPR 2019, Eq. 3) rewards the image distance between
    two draws of the same condition. With Gaussian latents of a fixed width
    the latent distance in its denominator is nearly constant, so this loss
    uses the image distance alone, in log form so its gradient neither
    vanishes while images are collapsed nor grows without bound as they
    spread::

        L_div = -log( eps + mean_{i != j, y_i = y_j} mean |x_i - x_j| )

    Not a term of CPSC-DFKD's L_G; off unless a config adds it to the
    generator distiller (feed it the images with a ``ModuleInputs`` recorder
    on the teacher's backbone and the labels with ``GtLabels``).

    Args:
        loss_weight (float): weight of the term. Defaults to 1.0.
        eps (float): keeps the log finite for identical images.
            Defaults to 1e-3.

    Inputs:
        images (Tensor | Sequence[Tensor]): (N, C, H, W) synthetic images; a
            recorder's tuple of inputs is accepted, its first element used.
        labels: (N,) int64 pseudo labels, or data samples with ``gt_label``.

    Returns:
        Tensor: scalar. A batch without two samples of one class gives 0
        (no pair to compare) with a zero gradient.
    """

    def __init__(self, loss_weight: float = 1.0, eps: float = 1e-3) -> None:
        super().__init__()
        if eps <= 0:
            raise ValueError(f'IntraClassDiversityLoss: eps must be > 0, got '
                             f'{eps}.')
        self.loss_weight = loss_weight
        self.eps = eps

    def forward(self, images: Union[torch.Tensor, Sequence],
                labels: LabelsLike) -> torch.Tensor:
        if isinstance(images, (tuple, list)):
            images = images[0]
        if images.ndim != 4:
            raise ValueError('IntraClassDiversityLoss expects images of shape '
                             f'(N, C, H, W), got {tuple(images.shape)}.')
        y = as_label_tensor(labels, images.device)
        if y.numel() != images.shape[0]:
            raise ValueError(f'IntraClassDiversityLoss: {y.numel()} labels for '
                             f'{images.shape[0]} images.')
        same_class = (y[:, None] == y[None, :]) & ~torch.eye(
            y.numel(), dtype=torch.bool, device=y.device)
        if not same_class.any():
            return images.sum() * 0.0
        # fp32 even under bf16 autocast: distances of nearly equal images.
        with torch.autocast(images.device.type, enabled=False):
            flat = images.float().flatten(1)
            distance = torch.cdist(flat, flat, p=1) / flat.shape[1]
            mean_distance = distance[same_class].mean()
            loss = -torch.log(mean_distance + self.eps)
        return self.loss_weight * loss
