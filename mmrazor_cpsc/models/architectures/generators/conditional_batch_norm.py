"""Class-conditional batch normalisation: the categorical feature embedding."""
from __future__ import annotations

import torch
from torch import nn


class ConditionalBatchNorm2d(nn.Module):
    """Batch normalisation whose affine transform is looked up per class.

    The categorical feature embedding (CFE) of CPSC-DFKD: the input is
    normalised by a ``BatchNorm2d`` without affine parameters, then scaled and
    shifted by per-class vectors taken from two embedding tables
    ``gamma, beta in R^{num_classes x C}``::

        y = gamma[label] * (x - E[x]) / sqrt(Var[x] + eps) + beta[label]

    ``gamma`` starts at 1 and ``beta`` at 0, so before training it is plain BN.

    Args:
        num_features (int): channels C of the input.
        num_classes (int): number of categories K.
        eps (float): BN epsilon. Defaults to 1e-5.
        momentum (float): BN running-statistics momentum. Defaults to 0.1.

    Shapes:
        x: (N, C, H, W); labels: (N,) int64 in [0, K). Output: (N, C, H, W).
    """

    def __init__(self, num_features: int, num_classes: int,
                 eps: float = 1e-5, momentum: float = 0.1) -> None:
        super().__init__()
        self.num_features = num_features
        self.num_classes = num_classes
        self.norm = nn.BatchNorm2d(num_features, eps=eps, momentum=momentum,
                                   affine=False)
        self.scale = nn.Embedding(num_classes, num_features)
        self.shift = nn.Embedding(num_classes, num_features)
        self.reset_embeddings()

    def reset_embeddings(self) -> None:
        """Identity affine for every class (scale 1, shift 0)."""
        nn.init.ones_(self.scale.weight)
        nn.init.zeros_(self.shift.weight)

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        scale = self.scale(labels)[:, :, None, None]
        shift = self.shift(labels)[:, :, None, None]
        # One fused pass over the activation instead of a multiply and an add.
        return torch.addcmul(shift, scale, self.norm(x))

    def extra_repr(self) -> str:
        return f'{self.num_features}, num_classes={self.num_classes}'
