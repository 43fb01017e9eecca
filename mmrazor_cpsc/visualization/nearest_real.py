"""Do synthetic images look like their class? Nearest real images as judge."""
from __future__ import annotations

from typing import Dict, Optional, Tuple

import torch
from mmrazor.registry import DATASETS


def load_real_pixels(dataset_cfg: Dict, limit: Optional[int] = None
                     ) -> Tuple[torch.Tensor, torch.Tensor]:
    """Images and labels of a real (e.g. test) dataset, as the models see them.

    Builds the dataset from its config (its pipeline resizes as for
    evaluation) and reads every item's packed ``inputs`` and ``gt_label``.

    Args:
        dataset_cfg (dict): a dataset config, e.g. ``cfg.test_dataloader
            .dataset``.
        limit (int, optional): read only the first ``limit`` items.

    Returns:
        (pixels (N, C, H, W) floats in [0, 1], labels (N,) int64).
    """
    dataset = DATASETS.build(dataset_cfg)
    count = len(dataset) if limit is None else min(limit, len(dataset))
    if count == 0:
        raise ValueError('load_real_pixels: the reference dataset is empty.')
    images, labels = [], []
    for index in range(count):
        item = dataset[index]
        images.append(item['inputs'])
        labels.append(int(item['data_samples'].gt_label))
    pixels = torch.stack(images).float()
    if pixels.max() > 1:  # packed images are uint8 0-255
        pixels = pixels / 255
    return pixels, torch.tensor(labels)


@torch.no_grad()
def nearest_real_labels(pixels: torch.Tensor, real_pixels: torch.Tensor,
                        real_labels: torch.Tensor,
                        chunk: int = 512) -> torch.Tensor:
    """The label of each image's nearest real image (Euclidean, pixel space).

    A judge that owes nothing to the teacher: a synthetic image whose
    nearest real image shows its own class looks, pixel for pixel, more like
    that class than like any other. On MNIST the same 1-nearest-neighbour
    rule labels real test images against the training set with ~97 %
    accuracy, so it is a fair (if strict) proxy for "a person would read it
    as that digit".

    Args:
        pixels (Tensor): (N, C, H, W) images in [0, 1].
        real_pixels (Tensor): (M, C, H, W) real images in [0, 1], same
            C, H, W.
        real_labels (Tensor): (M,) their labels.
        chunk (int): images compared at once (bounds memory).

    Returns:
        Tensor: (N,) labels of the nearest real images.
    """
    if pixels.shape[1:] != real_pixels.shape[1:]:
        raise ValueError(
            f'nearest_real_labels: synthetic images {tuple(pixels.shape[1:])} '
            f'and real images {tuple(real_pixels.shape[1:])} (C, H, W) '
            "differ; the reference dataset's pipeline must produce the "
            "generator's image size.")
    reference = real_pixels.flatten(1).float()
    nearest = [
        torch.cdist(part.flatten(1).float(), reference).argmin(1)
        for part in pixels.split(chunk)
    ]
    return real_labels[torch.cat(nearest)]
