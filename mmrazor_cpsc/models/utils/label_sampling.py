"""Pseudo labels y for class-conditional generation, drawn one way for every
component that draws them (the algorithm, the generator adapter of MMRazor's
algorithms, GeneratorDataset and the bare timing loop)."""
from __future__ import annotations

from typing import Optional, Union

import torch

LABEL_SAMPLING = ('balanced', 'uniform')


def sample_pseudo_labels(batch_size: int,
                         num_classes: int,
                         mode: str = 'balanced',
                         device: Optional[Union[str, torch.device]] = None,
                         generator: Optional[torch.Generator] = None,
                         random_offset: bool = True) -> torch.Tensor:
    """Class labels for ``batch_size`` synthetic images, shape (batch_size,).

    Args:
        batch_size (int): how many labels.
        num_classes (int): labels are in ``[0, num_classes)``.
        mode (str): 'balanced': every class ``batch_size // num_classes``
            times, the remainder on consecutive classes from a random first
            one (so no class is favoured over many batches), in random order;
            'uniform': i.i.d. uniform. Defaults to 'balanced'.
        device: where the labels go. Defaults to the CPU.
        generator (torch.Generator, optional): the random stream (seeded
            datasets); the global one when None.
        random_offset (bool): 'balanced' only: False starts the remainder at
            class 0 (a fixed-length dataset, where the remainder is drawn
            once). Defaults to True.
    """
    if mode not in LABEL_SAMPLING:
        raise ValueError(f'label sampling must be one of {LABEL_SAMPLING}, '
                         f'got {mode!r}.')
    if mode == 'uniform':
        return torch.randint(num_classes, (batch_size, ), generator=generator,
                             device=device)
    offset = (int(torch.randint(num_classes, (1, ), generator=generator))
              if random_offset else 0)
    labels = (torch.arange(batch_size) + offset) % num_classes
    return labels[torch.randperm(batch_size, generator=generator)].to(device)


def sample_pseudo_labels_across_ranks(batch_size: int,
                                      num_classes: int,
                                      mode: str = 'balanced',
                                      device: Optional[Union[str,
                                                             torch.device]]
                                      = None) -> torch.Tensor:
    """This process's ``batch_size`` labels of a global batch of
    ``world_size * batch_size`` labels drawn as one process would draw them.

    'balanced' balances the global batch: rank 0 draws it (from its own
    random stream, which checkpoints restore) and broadcasts it; rank r keeps
    slice r. With one process this is :func:`sample_pseudo_labels`. 'uniform'
    labels are i.i.d., so each rank draws its own without communication.
    All ranks must call it together with the same ``batch_size``.

    Returns:
        Tensor: (batch_size,) int64 on ``device``.
    """
    from mmengine.dist import broadcast, get_rank, get_world_size
    world_size = get_world_size()
    if world_size == 1 or mode == 'uniform':
        return sample_pseudo_labels(batch_size, num_classes, mode, device)
    labels = sample_pseudo_labels(batch_size * world_size, num_classes, mode,
                                  device)
    broadcast(labels, src=0)
    start = get_rank() * batch_size
    return labels[start:start + batch_size]
