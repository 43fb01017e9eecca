"""Logit distance L_IKD between student and teacher, in bounded forms."""
from __future__ import annotations

import torch
from mmrazor.registry import MODELS
from torch import nn

from ..utils.cross_rank import across_ranks, global_mean


@MODELS.register_module()
class LogitDistanceLoss(nn.Module):
    """Distance between student and teacher logits (L_IKD of CPSC-DFKD).

    With ``d2 = mean_n ||s_n - t_n||^2 / K`` (mean squared error) and
    ``d = mean_n sqrt(||s_n - t_n||^2 + eps)`` (mean L2 norm)::

        'mse'    : d2
        'log_mse': log(d2 + eps)
        'l2'     : d
        'log_l2' : log(d + eps)

    The reference code uses 'mse' on CIFAR-100/Tiny-ImageNet and the log
    forms on CIFAR-10. The log forms grow slowly, which matters in the
    generator loss where the term is maximised (negative weight): the raw MSE
    is unbounded there and was measured to collapse training on MNIST. ``eps``
    keeps value and gradient finite when the logits coincide.

    Args:
        mode (str): one of 'mse', 'log_mse', 'l2', 'log_l2'. Defaults to
            'log_mse'.
        eps (float): > 0. Defaults to 1e-6.
        loss_weight (float): multiplier; use a negative weight for the
            adversarial (generator) direction. Defaults to 1.0.
        teacher_detach (bool): stop gradients through ``preds_T``. Defaults to
            False (the generator step needs them).
        gather_across_ranks (bool): with several processes, take the log
            forms' batch mean over the global batch, so N processes compute
            the one-process loss. Defaults to True.

    Inputs:
        preds_S (Tensor): (N, K) student logits.
        preds_T (Tensor): (N, K) teacher logits.

    Returns:
        Tensor: scalar.
    """
    MODES = ('mse', 'log_mse', 'l2', 'log_l2')

    def __init__(self, mode: str = 'log_mse', eps: float = 1e-6,
                 loss_weight: float = 1.0,
                 teacher_detach: bool = False,
                 gather_across_ranks: bool = True) -> None:
        super().__init__()
        if mode not in self.MODES:
            raise ValueError(f'LogitDistanceLoss: mode must be one of '
                             f'{self.MODES}, got {mode!r}.')
        if eps <= 0:
            raise ValueError(f'LogitDistanceLoss: eps must be > 0, got {eps}.')
        self.mode = mode
        self.eps = eps
        self.loss_weight = loss_weight
        self.teacher_detach = teacher_detach
        # The log forms are the log of a batch mean: with several processes
        # the mean must be the global batch's, or N processes compute
        # another loss than one.
        self.gather_across_ranks = gather_across_ranks

    def forward(self, preds_S: torch.Tensor,
                preds_T: torch.Tensor) -> torch.Tensor:
        if self.teacher_detach:
            preds_T = preds_T.detach()
        # float32 even under bf16 autocast: the log forms need the precision
        # near zero distance.
        squared = (preds_S.float() - preds_T.float()).pow(2)
        mean = (global_mean if self.mode.startswith('log_') and
                across_ranks(self.gather_across_ranks) else torch.mean)
        if self.mode in ('mse', 'log_mse'):
            dist = mean(squared)
        else:
            dist = mean((squared.sum(dim=1) + self.eps).sqrt())
        if self.mode.startswith('log_'):
            dist = torch.log(dist + self.eps)
        return self.loss_weight * dist
