"""Teacher BN-statistics matching (the DeepInversion prior)."""
from __future__ import annotations

from typing import List, Sequence, Tuple

import torch
from mmrazor.registry import MODELS
from torch import nn

from ..utils.cross_rank import across_ranks, all_reduce_with_grad

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

    Across processes (``gather_across_ranks``, on by default, acts only when
    the world size is above 1): mu_l and var_l are those of the global batch,
    from one all-reduce of every layer's ``n mu``, ``n var``, ``n mu^2`` and
    ``n`` (n = the layer's local count, recorded by ``BNStatistics``):
    ``mu = sum n mu_r / sum n``, ``var = (sum n var_r + sum n mu_r^2) /
    sum n - mu^2`` -- exact, not an average of the ranks' variances -- and
    every rank returns the same global L_BN. The all-reduce's backward sums
    over ranks, so with DDP's gradient average the update equals the
    one-process one. Per-image statistics stay per image (a local mean over
    images is already consistent with DDP's average).

    Args:
        loss_weight (float): beta. Defaults to 1.0.
        reduction (str): 'sum' over layers (paper) or 'mean'. Defaults to 'sum'.
        gather_across_ranks (bool): batch statistics of the global batch when
            several processes train. Defaults to True.

    Inputs:
        bn_stats (list[tuple]): one ``(mu, var, running_mean, running_var)``
            per BN layer; mu and var of shape (C_l,) or (N, C_l), the
            buffers (C_l,).

    Returns:
        Tensor: scalar.
    """

    def __init__(self, loss_weight: float = 1.0, reduction: str = 'sum',
                 gather_across_ranks: bool = True) -> None:
        super().__init__()
        if reduction not in ('sum', 'mean'):
            raise ValueError("BNStatisticsLoss: reduction must be 'sum' or "
                             f"'mean', got {reduction!r}.")
        self.loss_weight = loss_weight
        self.reduction = reduction
        self.gather_across_ranks = gather_across_ranks

    def forward(self, bn_stats: Sequence[BNStats]) -> torch.Tensor:
        if len(bn_stats) == 0:
            raise ValueError(
                'BNStatisticsLoss received no BN statistics: the recorded '
                'model ran no BatchNorm layer. Check the BNStatistics '
                'recorder source, or remove this loss.')
        if across_ranks(self.gather_across_ranks) and any(
                record[0].ndim == 1 for record in bn_stats):
            bn_stats = _global_batch_statistics(bn_stats)
        terms = [
            (torch.linalg.vector_norm(mean - running_mean, dim=-1) +
             torch.linalg.vector_norm(var - running_var, dim=-1)).mean()
            for mean, var, running_mean, running_var in bn_stats
        ]
        total = torch.stack(terms)
        total = total.sum() if self.reduction == 'sum' else total.mean()
        return self.loss_weight * total


def _global_batch_statistics(bn_stats: Sequence[BNStats]) -> List[BNStats]:
    """Batch statistics of the global batch for every layer, in one
    all-reduce; per-image records (mu of shape (N, C)) pass unchanged.

    A record's local count is its ``count`` attribute (set by
    ``BNStatisticsRecorder``); records without one weigh every rank equally,
    which is exact when the local batches and feature maps are equal.
    """
    batch = [i for i, record in enumerate(bn_stats) if record[0].ndim == 1]
    pieces = []
    for i in batch:
        mean, var = bn_stats[i][0], bn_stats[i][1]
        n = torch.full((1, ), float(getattr(bn_stats[i], 'count', 1)),
                       dtype=mean.dtype, device=mean.device)
        pieces += [n * mean, n * var, n * mean * mean, n]
    total = all_reduce_with_grad(torch.cat(pieces))
    result = list(bn_stats)
    offset = 0
    for i in batch:
        c = bn_stats[i][0].shape[0]
        sum_mean, sum_var, sum_sq, n = total[offset:offset + 3 * c + 1].split(
            [c, c, c, 1])
        offset += 3 * c + 1
        mean = sum_mean / n
        var = (sum_var + sum_sq) / n - mean * mean
        result[i] = (mean, var, bn_stats[i][2], bn_stats[i][3])
    return result
