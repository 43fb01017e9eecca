"""A class-balanced, seeded split of a labelled dataset into two parts."""
from __future__ import annotations

from typing import Any, Dict, List, Union

import numpy as np
from mmpretrain.registry import DATASETS
from torch.utils.data import Dataset


@DATASETS.register_module()
class HeldOutSplit(Dataset):
    """One of two disjoint parts of a labelled dataset: 'held_out' or 'rest'.

    Model selection and tuning need images that are neither reported on (the
    test set) nor trained on. This wrapper takes ``per_class`` images of
    every class out of a training set, chosen by a seeded permutation, as the
    'held_out' part; 'rest' is everything else. The same ``dataset``,
    ``per_class`` and ``seed`` always give the same split, so a teacher
    trained on 'rest' and a tuning run validated on 'held_out' never share
    an image.

    Args:
        dataset (dict | Dataset): the labelled dataset (an mmpretrain dataset
            config, e.g. ``dict(type='mmpretrain.LocalCIFAR10', ...)``).
        part (str): 'held_out' or 'rest'.
        per_class (int): held-out images per class. Defaults to 500.
        seed (int): seed of the permutation. Defaults to 0.

    Items are the wrapped dataset's items (same pipeline output).
    """
    PARTS = ('held_out', 'rest')

    def __init__(self, dataset: Union[dict, Dataset], part: str,
                 per_class: int = 500, seed: int = 0) -> None:
        if part not in self.PARTS:
            raise ValueError(f'HeldOutSplit: part={part!r}; use one of '
                             f'{self.PARTS}.')
        if per_class < 1:
            raise ValueError(f'HeldOutSplit: per_class={per_class} must be '
                             '>= 1.')
        self.dataset = (DATASETS.build(dataset) if isinstance(dataset, dict)
                        else dataset)
        labels = np.asarray(self.dataset.get_gt_labels())
        order = np.random.RandomState(seed).permutation(len(labels))
        held_out: List[int] = []
        for cls in np.unique(labels):
            members = order[labels[order] == cls]
            if len(members) <= per_class:
                raise ValueError(
                    f'HeldOutSplit: class {cls} has {len(members)} images, '
                    f'not more than per_class={per_class}: nothing would be '
                    'left to train on. Lower per_class.')
            held_out.extend(members[:per_class].tolist())
        chosen = np.zeros(len(labels), dtype=bool)
        chosen[held_out] = True
        self.indices = np.flatnonzero(chosen if part == 'held_out'
                                      else ~chosen)
        self.part, self.per_class, self.seed = part, per_class, seed

    @property
    def metainfo(self) -> Dict[str, Any]:
        return self.dataset.metainfo

    def get_gt_labels(self) -> np.ndarray:
        return np.asarray(self.dataset.get_gt_labels())[self.indices]

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index: int) -> Any:
        return self.dataset[int(self.indices[index])]

    def __repr__(self) -> str:
        return (f'HeldOutSplit(part={self.part}, per_class={self.per_class}, '
                f'seed={self.seed}, {len(self)} of {len(self.dataset)} items '
                f'of {type(self.dataset).__name__})')
