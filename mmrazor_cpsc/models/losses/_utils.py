"""Input normalisation shared by the CPSC losses."""
from __future__ import annotations

from typing import Sequence, Union

import torch

LabelsLike = Union[torch.Tensor, Sequence]


def as_label_tensor(labels: LabelsLike, device: torch.device) -> torch.Tensor:
    """Labels as a (N,) int64 tensor.

    Accepts a tensor, or mmpretrain ``DataSample`` objects carrying
    ``gt_label`` (what a recorder of a classifier's ``data_samples`` holds).
    """
    if isinstance(labels, torch.Tensor):
        return labels.reshape(-1).long().to(device)
    if isinstance(getattr(labels, 'labels', None), torch.Tensor):
        return labels.labels.reshape(-1).long().to(device)  # LabelledSamples
    tensors = []
    for sample in labels:
        if not hasattr(sample, 'gt_label'):
            raise TypeError(
                'labels must be a tensor or data samples with `gt_label`; got '
                f'an element of type {type(sample).__name__}.')
        tensors.append(sample.gt_label.reshape(-1)[:1])
    return torch.cat(tensors).long().to(device)


def as_feature_matrix(feature) -> torch.Tensor:
    """A recorded feature as (N, D): last element of a tuple, global-pooled."""
    if isinstance(feature, (tuple, list)):
        feature = feature[-1]
    feature = feature.float()  # bf16 under CPU autocast; contrast in fp32
    if feature.ndim == 4:
        feature = feature.mean(dim=(2, 3))
    elif feature.ndim != 2:
        raise ValueError('features must be (N, D) or (N, C, H, W), got shape '
                         f'{tuple(feature.shape)}.')
    return feature
