"""Cross-entropy of a classifier's logits against the conditioning labels."""
from __future__ import annotations

from typing import Optional

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

    ``confirmation`` (not the paper's; off by default) makes the student's
    label term follow the teacher: each sample's CE is weighted by the
    teacher's probability of ``y`` ('teacher_prob') or kept only where the
    teacher's top class is ``y`` ('teacher_argmax'), so the student is not
    pulled towards a label its teacher contradicts on that image. The sum is
    divided by the batch size: while the teacher confirms few samples, the
    term is weak.

    Args:
        loss_weight (float): eta. Defaults to 1.0.
        label_smoothing (float): in [0, 1). Defaults to 0.
        reference_double_softmax (bool): softmax the logits first, as the
            reference code did. Defaults to False.
        confirmation (str): 'none', 'teacher_prob' or 'teacher_argmax'.
            Defaults to 'none'.

    Inputs:
        logits (Tensor): (N, K) logits of the teacher or the student.
        labels: (N,) int64, or data samples with ``gt_label``.
        teacher_logits (Tensor, optional): (N, K), required by
            ``confirmation``; never receives a gradient.

    Returns:
        Tensor: scalar.
    """

    CONFIRMATIONS = ('none', 'teacher_prob', 'teacher_argmax')

    def __init__(self, loss_weight: float = 1.0, label_smoothing: float = 0.0,
                 reference_double_softmax: bool = False,
                 confirmation: str = 'none') -> None:
        super().__init__()
        if not 0 <= label_smoothing < 1:
            raise ValueError('ConditionalCrossEntropyLoss: label_smoothing '
                             f'must be in [0, 1), got {label_smoothing}.')
        if confirmation not in self.CONFIRMATIONS:
            raise ValueError('ConditionalCrossEntropyLoss: confirmation must '
                             f'be one of {self.CONFIRMATIONS}, got '
                             f'{confirmation!r}.')
        self.loss_weight = loss_weight
        self.label_smoothing = label_smoothing
        self.reference_double_softmax = reference_double_softmax
        self.confirmation = confirmation

    def forward(self, logits: torch.Tensor, labels: LabelsLike,
                teacher_logits: Optional[torch.Tensor] = None
                ) -> torch.Tensor:
        y = as_label_tensor(labels, logits.device)
        if self.reference_double_softmax:
            logits = logits.softmax(dim=1)
        if self.confirmation == 'none':
            loss = F.cross_entropy(logits, y,
                                   label_smoothing=self.label_smoothing)
            return self.loss_weight * loss
        if teacher_logits is None:
            raise ValueError(
                f'ConditionalCrossEntropyLoss: confirmation='
                f'{self.confirmation!r} needs the teacher\'s logits. Map them '
                'in loss_forward_mappings, e.g. loss_ce=dict(..., '
                "teacher_logits=dict(from_student=False, recorder='logits')).")
        with torch.no_grad():
            teacher_logits = teacher_logits.float()
            if self.confirmation == 'teacher_prob':
                weight = teacher_logits.softmax(1).gather(1, y[:, None])[:, 0]
            else:
                weight = (teacher_logits.argmax(1) == y).float()
        per_sample = F.cross_entropy(logits, y, reduction='none',
                                     label_smoothing=self.label_smoothing)
        return self.loss_weight * (weight * per_sample).mean()
