"""Data samples for a batch of pseudo labels, built only if someone looks."""
from __future__ import annotations

from collections.abc import Sequence
from typing import List, Optional

import torch
from mmpretrain.structures import DataSample


class LabelledSamples(Sequence):
    """A sequence of mmpretrain ``DataSample`` with ``gt_label`` = ``labels``.

    CPSC calls the teacher and the student on every synthetic batch with its
    pseudo labels as data samples, twelve batches per MNIST iteration. The
    classifiers ignore data samples in ``mode='tensor'``; only label
    recorders read them, and those can take the whole batch at once from
    ``.labels``. Building 256 ``DataSample`` objects per batch anyway cost
    ~3 % of an iteration on 2 CPU cores, so they are built on first item
    access, for code that iterates over them (any MMRazor recorder or loss).

    Args:
        labels (Tensor): (N,) int64 labels.

    Attributes:
        labels (Tensor): the (N,) labels.
    """

    def __init__(self, labels: torch.Tensor) -> None:
        if labels.ndim != 1:
            raise ValueError('LabelledSamples expects (N,) labels, got shape '
                             f'{tuple(labels.shape)}.')
        self.labels = labels
        self._samples: Optional[List[DataSample]] = None

    def _materialise(self) -> List[DataSample]:
        if self._samples is None:
            # (1,) rows: set_gt_label keeps them as they are (no host sync).
            self._samples = [
                DataSample().set_gt_label(row)
                for row in self.labels.view(-1, 1)
            ]
        return self._samples

    def __len__(self) -> int:
        return self.labels.shape[0]

    def __getitem__(self, index):
        return self._materialise()[index]

    def __repr__(self) -> str:
        return f'LabelledSamples({len(self)} labels)'
