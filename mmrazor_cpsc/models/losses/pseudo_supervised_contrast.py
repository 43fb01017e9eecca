"""Pseudo-supervised contrastive loss between teacher and student views."""
from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F
from mmrazor.registry import MODELS
from torch import nn

from ..utils.cross_rank import (across_ranks, gather_no_grad,
                                gather_with_grad)
from ._utils import LabelsLike, as_feature_matrix, as_label_tensor


@MODELS.register_module()
class PseudoSupervisedContrastLoss(nn.Module):
    """Supervised contrastive loss with the generator's labels as supervision.

    L_SCL of CPSC-DFKD (Shao et al. 2023, Eq. 9, after Khosla et al.'s SupCon).
    The student's and the teacher's features of the same synthetic batch are
    two views. With the 2N views ``v`` (L2-normalised) and labels ``y`` repeated
    for both views, for each anchor i with positives
    ``P(i) = {p != i : y_p = y_i}``::

        L_SCL = mean_i  -1/|P(i)| sum_{p in P(i)}
                 log( exp(v_i . v_p / tau) / sum_{a != i} exp(v_i . v_a / tau) )

    Every anchor has at least one positive (its other view), so a class that
    appears once in the batch is still well defined.

    ``positives='instance'`` (not the paper's; off by default) keeps only the
    anchor's other view as its positive, ``P(i) = {i's other view}``, and
    every other sample, same class or not, as a negative: instance
    discrimination across the two views, as in CMI (Fang et al. 2021). The
    class-level form pulls all samples of a class together in the teacher's
    feature space, which lets a conditional generator collapse each class to
    one image; the instance form pushes same-class samples apart instead.

    ``positives='teacher_confirmed'`` (not the paper's; off by default; issue
    "Conditioning that holds") keeps the class positives only among samples
    the teacher classifies as their pseudo label; a sample the teacher reads
    as another class keeps only its other view as positive. The paper's form
    pulls an image towards its label's class even where the teacher
    contradicts the label; this one does not.

    Across processes (``gather_across_ranks``, on by default, acts only when
    the world size is above 1): the views and labels of all ranks form the
    batch above, and each rank returns the mean over its own 2B anchors of
    the same per-anchor term (columns over all 2NB views). With DDP's
    gradient average and the gather's summed backward, the update equals the
    one-process update on the global batch: the ranks' losses sum to N times
    the one-process loss (see ``models/utils/cross_rank.py``). Local batches
    must be of equal size. Off, each rank contrasts only its own batch.

    Args:
        temperature (float): tau > 0. Defaults to 0.07.
        loss_weight (float): multiplier. Defaults to 1.0.
        positives (str): 'class' (the paper's SupCon with pseudo labels),
            'instance' (each sample's other view only) or
            'teacher_confirmed' (class positives among the samples the
            teacher assigns to their label). Defaults to 'class'.
        gather_across_ranks (bool): contrast over the global batch when
            several processes train. Defaults to True.

    Inputs:
        student_feats: (N, D) or (N, C, H, W) (global-pooled), or a tuple whose
            last element is such a tensor. Project it to the teacher's width
            with a connector (e.g. ``ProjectionHead``) when the widths differ.
        teacher_feats: same batch, (N, D).
        labels: (N,) int64 pseudo labels, or data samples with ``gt_label``.
        teacher_logits (Tensor, optional): (N, K), required by
            ``positives='teacher_confirmed'``; never receives a gradient.

    Returns:
        Tensor: scalar loss.
    """

    POSITIVES = ('class', 'instance', 'teacher_confirmed')

    def __init__(self, temperature: float = 0.07, loss_weight: float = 1.0,
                 positives: str = 'class',
                 gather_across_ranks: bool = True) -> None:
        super().__init__()
        if temperature <= 0:
            raise ValueError('PseudoSupervisedContrastLoss: temperature must '
                             f'be > 0, got {temperature}.')
        if positives not in self.POSITIVES:
            raise ValueError('PseudoSupervisedContrastLoss: positives must be '
                             f'one of {self.POSITIVES}, got {positives!r}.')
        self.temperature = temperature
        self.loss_weight = loss_weight
        self.positives = positives
        self.gather_across_ranks = gather_across_ranks

    def forward(self, student_feats, teacher_feats, labels: LabelsLike,
                teacher_logits: Optional[torch.Tensor] = None
                ) -> torch.Tensor:
        f_s = as_feature_matrix(student_feats)
        f_t = as_feature_matrix(teacher_feats)
        if f_s.shape != f_t.shape:
            raise ValueError(
                'PseudoSupervisedContrastLoss: student features '
                f'{tuple(f_s.shape)} and teacher features {tuple(f_t.shape)} '
                'differ in shape. Add a projection connector (e.g. '
                "connectors=dict(proj=dict(type='ProjectionHead', "
                f'in_channels={f_s.shape[-1]}, out_channels={f_t.shape[-1]}))) '
                "and map student_feats with connector='proj'.")
        y = as_label_tensor(labels, f_s.device)
        if y.numel() != f_s.shape[0]:
            raise ValueError(f'PseudoSupervisedContrastLoss: {y.numel()} '
                             f'labels for {f_s.shape[0]} features.')
        if across_ranks(self.gather_across_ranks):
            return self.loss_weight * self._global_batch_loss(
                f_s, f_t, y, teacher_logits)
        views = F.normalize(torch.cat([f_s, f_t]), dim=1)
        if self.positives == 'instance':
            # A label per sample: only the two views of one sample match.
            y = torch.arange(f_s.shape[0], device=f_s.device)
        elif self.positives == 'teacher_confirmed':
            if teacher_logits is None:
                raise ValueError(
                    "PseudoSupervisedContrastLoss: positives="
                    "'teacher_confirmed' needs the teacher's logits. Map "
                    'them in loss_forward_mappings, e.g. loss_scl=dict(..., '
                    "teacher_logits=dict(from_student=False, "
                    "recorder='logits')).")
            confirmed = teacher_logits.detach().argmax(1) == y
            # Unconfirmed samples get labels of their own (negative, so no
            # class shares them): their other view is their only positive.
            own = -1 - torch.arange(y.numel(), device=y.device)
            y = torch.where(confirmed, y, own)
        y = torch.cat([y, y])
        n = views.shape[0]
        # Similarities in float32 even under bf16 autocast: scaled by
        # 1/temperature (~14), bf16's 3 digits would blur them.
        with torch.autocast(views.device.type, enabled=False):
            logits = views @ views.t() / self.temperature
        self_mask = torch.eye(n, dtype=torch.bool, device=views.device)
        # Exclude each anchor from its own denominator; -inf gives exp() = 0.
        logits = logits.masked_fill(self_mask, float('-inf'))
        log_prob = logits - torch.logsumexp(logits, dim=1, keepdim=True)
        positives = (y[:, None] == y[None, :]) & ~self_mask
        pos_log_prob = log_prob.masked_fill(~positives, 0.0).sum(1)
        loss = -(pos_log_prob / positives.sum(1)).mean()
        return self.loss_weight * loss

    def _supervision(self, y: torch.Tensor,
                     teacher_logits: Optional[torch.Tensor],
                     first_index: int) -> torch.Tensor:
        """Labels that decide the positives, (B,), for samples whose index in
        the global batch starts at ``first_index``."""
        index = first_index + torch.arange(y.numel(), device=y.device)
        if self.positives == 'instance':
            return index
        if self.positives == 'teacher_confirmed':
            if teacher_logits is None:
                raise ValueError(
                    "PseudoSupervisedContrastLoss: positives="
                    "'teacher_confirmed' needs the teacher's logits.")
            confirmed = teacher_logits.detach().argmax(1) == y
            # Labels unique over the global batch for unconfirmed samples.
            return torch.where(confirmed, y, -1 - index)
        return y

    def _global_batch_loss(self, f_s: torch.Tensor, f_t: torch.Tensor,
                           y: torch.Tensor,
                           teacher_logits: Optional[torch.Tensor]
                           ) -> torch.Tensor:
        """The loss above over the views of all ranks, averaged over this
        rank's anchors.

        Shapes: f_s, f_t (B, D) local; gathered views (2NB, D) ordered
        [student of ranks 0..N-1, teacher of ranks 0..N-1] as one process
        would order them; anchors (2B, D); logits (2B, 2NB).
        """
        b = f_s.shape[0]
        rank = torch.distributed.get_rank()
        y = self._supervision(y, teacher_logits, rank * b)
        # Normalise before gathering: row-wise, so the order does not matter.
        local = F.normalize(torch.cat([f_s, f_t]), dim=1)
        student_all = gather_with_grad(local[:b])
        teacher_all = gather_with_grad(local[b:])
        views = torch.cat([student_all, teacher_all])
        y_all = gather_no_grad(y)
        total = student_all.shape[0]
        y_views = torch.cat([y_all, y_all])
        # Column of each local anchor among the global views.
        own = torch.cat([rank * b + torch.arange(b, device=y.device),
                         total + rank * b + torch.arange(b, device=y.device)])
        anchors = views[own]
        with torch.autocast(views.device.type, enabled=False):
            logits = anchors @ views.t() / self.temperature
        self_mask = torch.zeros_like(logits, dtype=torch.bool)
        self_mask[torch.arange(2 * b, device=y.device), own] = True
        logits = logits.masked_fill(self_mask, float('-inf'))
        log_prob = logits - torch.logsumexp(logits, dim=1, keepdim=True)
        positives = (y_views[own][:, None] == y_views[None, :]) & ~self_mask
        pos_log_prob = log_prob.masked_fill(~positives, 0.0).sum(1)
        return -(pos_log_prob / positives.sum(1)).mean()
