"""Cross-entropy of a classifier's logits against the conditioning labels."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from mmrazor.registry import MODELS
from torch import nn

from ._utils import LabelsLike, as_label_tensor


@MODELS.register_module()
class ConditionalCrossEntropyLoss(nn.Module):
    """CE(logits, y) with the labels the generator was conditioned on.

    The ``eta * CE(t, y)`` term of the generator loss (the teacher must see
    class y) and ``eta * CE(s, y)`` of the student loss in CPSC-DFKD.
    It is applied to *logits*. The authors' code applied it to softmax outputs
    (a double softmax) whose gradients are tiny, so the conditioning barely
    took hold; ``reference_double_softmax=True`` reproduces that for studies.

    Args:
        loss_weight (float): eta. Defaults to 1.0.
        label_smoothing (float): in [0, 1). Defaults to 0.
        reference_double_softmax (bool): softmax the logits first, as the
            reference code did. Defaults to False.

    Inputs:
        logits (Tensor): (N, K) logits of the teacher or the student.
        labels: (N,) int64, or data samples with ``gt_label``.

    Returns:
        Tensor: scalar.
    """

    def __init__(self, loss_weight: float = 1.0, label_smoothing: float = 0.0,
                 reference_double_softmax: bool = False) -> None:
        super().__init__()
        if not 0 <= label_smoothing < 1:
            raise ValueError('ConditionalCrossEntropyLoss: label_smoothing '
                             f'must be in [0, 1), got {label_smoothing}.')
        self.loss_weight = loss_weight
        self.label_smoothing = label_smoothing
        self.reference_double_softmax = reference_double_softmax

    def forward(self, logits: torch.Tensor,
                labels: LabelsLike) -> torch.Tensor:
        y = as_label_tensor(labels, logits.device)
        if self.reference_double_softmax:
            logits = logits.softmax(dim=1)
        loss = F.cross_entropy(logits, y, label_smoothing=self.label_smoothing)
        return self.loss_weight * loss
