"""Teacher BN-statistics matching (the DeepInversion prior)."""
from __future__ import annotations

from typing import Sequence, Tuple

import torch
from mmrazor.registry import MODELS
from torch import nn

BNStats = Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]


@MODELS.register_module()
class BNStatisticsLoss(nn.Module):
    """Distance of the batch's feature statistics to the teacher's BN buffers.

    L_BN of CPSC-DFKD (after DeepInversion, Yin et al. 2020). For every BN
    layer l of the teacher, with the batch mean/variance of the layer's input
    ``mu_l, var_l`` and its running buffers ``rm_l, rv_l``::

        L_BN = sum_l ||mu_l - rm_l||_2 + ||var_l - rv_l||_2

    With per-image statistics (``BNStatistics(per_sample=True)``: mu_l and
    var_l of shape (N, C_l)), each layer's term is the mean over images of
    the same distances, so every image is held to the running statistics.

    Feed it from a ``BNStatistics`` recorder on the teacher, which finds every
    BN layer and records the four tensors per layer.

    Args:
        loss_weight (float): beta. Defaults to 1.0.
        reduction (str): 'sum' over layers (paper) or 'mean'. Defaults to 'sum'.

    Inputs:
        bn_stats (list[tuple]): one ``(mu, var, running_mean, running_var)``
            per BN layer; mu and var of shape (C_l,) or (N, C_l), the
            buffers (C_l,).

    Returns:
        Tensor: scalar.
    """

    def __init__(self, loss_weight: float = 1.0, reduction: str = 'sum') -> None:
        super().__init__()
        if reduction not in ('sum', 'mean'):
            raise ValueError("BNStatisticsLoss: reduction must be 'sum' or "
                             f"'mean', got {reduction!r}.")
        self.loss_weight = loss_weight
        self.reduction = reduction

    def forward(self, bn_stats: Sequence[BNStats]) -> torch.Tensor:
        if len(bn_stats) == 0:
            raise ValueError(
                'BNStatisticsLoss received no BN statistics: the recorded '
                'model ran no BatchNorm layer. Check the BNStatistics '
                'recorder source, or remove this loss.')
        terms = [
            (torch.linalg.vector_norm(mean - running_mean, dim=-1) +
             torch.linalg.vector_norm(var - running_var, dim=-1)).mean()
            for mean, var, running_mean, running_var in bn_stats
        ]
        total = torch.stack(terms)
        total = total.sum() if self.reduction == 'sum' else total.mean()
        return self.loss_weight * total
