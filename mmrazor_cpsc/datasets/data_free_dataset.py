"""A training 'dataset' for data-free distillation: no data, only batch structure."""
from __future__ import annotations

from typing import Dict, Optional, Sequence

import torch
from mmpretrain.structures import DataSample
from mmrazor.registry import DATASETS
from torch.utils.data import Dataset


@DATASETS.register_module()
class DataFreeDataset(Dataset):
    """Yields pseudo-labelled placeholders, so no training set is needed on disk.

    Data-free algorithms synthesise their own inputs; the data loader only
    gives them a batch size and a rhythm. MMRazor's own DFKD configs iterate
    the real CIFAR training set for that; this dataset replaces it. Each item
    is ``dict(inputs=zeros(img_shape, uint8), data_samples=DataSample)`` with
    a pseudo ``gt_label`` - the structure mmpretrain's pipelines and data
    preprocessors produce, so MMRazor's DAFL/DFAD/ZSKT (which run the data
    preprocessor on the batch before replacing the images) accept it too.

    Args:
        num_classes (int): number of classes K of the teacher.
        length (int): number of items (an "epoch"). With mmengine's
            ``InfiniteSampler`` (iteration-based training) it need not cover
            the run: the sampler wraps around, while a length of batch x
            iterations costs memory and start-up time for nothing (15 M
            items: +700 MB and 2 s per rank in the sampler's index list).
            Defaults to 50000 (a multiple of 10, 100 and 200 classes, so
            'balanced' labels stay balanced across the wrap).
        label_sampling (str): 'balanced' (item i has label i mod K, so any
            K consecutive indices cover every class) or 'uniform' (i.i.d.,
            reproducible from ``seed`` and the index). Defaults to 'balanced'.
        img_shape (Sequence[int]): (C, H, W) of the placeholder image.
            Defaults to (1, 1, 1): nothing reads it in CPSC.
        seed (int): seed of the 'uniform' labels. Defaults to 0.
        metainfo (dict, optional): e.g. ``dict(classes=(...))``.
    """
    LABEL_SAMPLING = ('balanced', 'uniform')

    def __init__(self, num_classes: int, length: int = 50000,
                 label_sampling: str = 'balanced',
                 img_shape: Sequence[int] = (1, 1, 1), seed: int = 0,
                 metainfo: Optional[Dict] = None) -> None:
        if num_classes < 1 or length < 1:
            raise ValueError('DataFreeDataset: num_classes and length must be '
                             f'>= 1, got {num_classes} and {length}.')
        if label_sampling not in self.LABEL_SAMPLING:
            raise ValueError(f'DataFreeDataset: label_sampling must be one of '
                             f'{self.LABEL_SAMPLING}, got {label_sampling!r}.')
        self.num_classes = num_classes
        self.length = length
        self.label_sampling = label_sampling
        self.img_shape = tuple(img_shape)
        self.seed = seed
        meta = dict(metainfo or {})
        meta.setdefault('classes', tuple(str(i) for i in range(num_classes)))
        self._metainfo = meta

    @property
    def metainfo(self) -> dict:
        return dict(self._metainfo)

    def __len__(self) -> int:
        return self.length

    def label_of(self, index: int) -> int:
        """The pseudo label of item ``index``."""
        if self.label_sampling == 'balanced':
            return index % self.num_classes
        rng = torch.Generator().manual_seed(self.seed * 1_000_003 + index)
        return int(torch.randint(self.num_classes, (1, ), generator=rng))

    def __getitem__(self, index: int) -> dict:
        if not 0 <= index < self.length:
            raise IndexError(f'index {index} out of range for '
                             f'DataFreeDataset of length {self.length}')
        sample = DataSample().set_gt_label(self.label_of(index))
        return dict(inputs=torch.zeros(self.img_shape, dtype=torch.uint8),
                    data_samples=sample)
