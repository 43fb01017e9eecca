"""Synthetic, labelled images from a trained conditional generator."""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.dataset import BaseDataset
from mmrazor.registry import DATASETS, MODELS

from ..utils import load_state_dict_exactly, read_state_dict, sub_state_dict
from ..visualization import denormalize


@DATASETS.register_module()
class GeneratorDataset(BaseDataset):
    """A dataset drawn from a trained class-conditional generator.

    Hands the synthetic data of a CPSC run to anything that takes a data
    loader - distillation with any MMRazor loss, pruning fine-tuning,
    quantisation calibration - when the real training data is gone. Images
    are synthesised once at start-up, class-balanced and reproducible by
    ``seed``, then converted to the dataset's own pixel format (uint8, HWC, the
    data preprocessor's normalisation undone) so mmpretrain pipelines
    (``PackInputs``, augmentations) and data preprocessors treat them exactly
    like real images.

    Args:
        generator (dict): config of the generator (e.g. the ``generator`` of
            the CPSC config).
        checkpoint (str): a CPSC training checkpoint (weights under
            ``prefix``) or a plain generator state dict; read with the
            weights-only loader.
        length (int): number of images. Defaults to 60000.
        mean, std (Sequence[float], optional): the normalisation the
            generator's images are in (the teacher's data preprocessor); None
            means images in [-1, 1].
        label_sampling (str): 'balanced' (class i*K..: every class equally
            often) or 'uniform'. Defaults to 'balanced'.
        seed (int): seed of labels and noise. Defaults to 0.
        synth_batch_size (int): images per generator call. The generator runs
            with batch statistics on class-balanced batches, as in training.
            Defaults to 500.
        prefix (str): key prefix of the generator in ``checkpoint``.
            Defaults to 'generator.'.
        pipeline (list): mmpretrain/mmengine transforms, e.g.
            ``[dict(type='mmpretrain.PackInputs')]``.
        **kwargs: other :class:`mmengine.dataset.BaseDataset` arguments.

    Items (before the pipeline): ``{'img': uint8 (H, W, C), 'gt_label': int}``.
    """

    def __init__(self, generator: Dict, checkpoint: str, length: int = 60000,
                 mean: Optional[Sequence[float]] = None,
                 std: Optional[Sequence[float]] = None,
                 label_sampling: str = 'balanced', seed: int = 0,
                 synth_batch_size: int = 500, prefix: str = 'generator.',
                 pipeline: Sequence = (), **kwargs) -> None:
        if length < 1 or synth_batch_size < 1:
            raise ValueError('GeneratorDataset: length and synth_batch_size '
                             'must be >= 1.')
        if label_sampling not in ('balanced', 'uniform'):
            raise ValueError("GeneratorDataset: label_sampling must be "
                             f"'balanced' or 'uniform', got {label_sampling!r}.")
        self.generator_cfg = generator
        self.checkpoint = checkpoint
        self.length = length
        self.mean, self.std = mean, std
        self.label_sampling = label_sampling
        self.seed = seed
        self.synth_batch_size = synth_batch_size
        self.prefix = prefix
        super().__init__(ann_file='', pipeline=list(pipeline), **kwargs)

    def build_generator(self) -> torch.nn.Module:
        """The generator with the checkpoint's weights."""
        generator = MODELS.build(self.generator_cfg)
        state = sub_state_dict(read_state_dict(self.checkpoint, 'generator'),
                               self.prefix)
        load_state_dict_exactly(generator, state, self.checkpoint, 'generator')
        return generator

    def _labels(self, rng: torch.Generator, num_classes: int) -> torch.Tensor:
        if self.label_sampling == 'uniform':
            return torch.randint(num_classes, (self.length, ), generator=rng)
        labels = torch.arange(self.length) % num_classes
        return labels[torch.randperm(self.length, generator=rng)]

    @torch.no_grad()
    def load_data_list(self) -> List[dict]:
        generator = self.build_generator().train()
        rng = torch.Generator().manual_seed(self.seed)
        labels = self._labels(rng, generator.num_classes)
        data_list = []
        for start in range(0, self.length, self.synth_batch_size):
            y = labels[start:start + self.synth_batch_size]
            z = torch.randn(len(y), generator.latent_dim, generator=rng)
            pixels = denormalize(generator(z, y), self.mean, self.std)
            images = (pixels * 255).round().byte().permute(0, 2, 3, 1)
            for img, label in zip(images.numpy(), y.tolist()):
                data_list.append(dict(img=np.ascontiguousarray(img),
                                      gt_label=label))
        self._metainfo.setdefault(
            'classes', tuple(str(i) for i in range(generator.num_classes)))
        return data_list
