"""Synthetic, labelled images from a trained conditional generator."""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.dataset import BaseDataset
from mmengine.logging import print_log
from mmrazor.registry import DATASETS, MODELS

from ..models.utils.label_sampling import sample_pseudo_labels
from ..utils import (load_state_dict_exactly, load_teacher_checkpoint,
                     read_state_dict, sub_state_dict)
from ..visualization import denormalize, normalize


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
        label_source (str): what ``gt_label`` holds. 'generator': the class
            each image was generated for (the adversarial CPSC objective
            leaves many images outside it: right for distillation from a
            teacher's soft labels, wrong as hard targets). 'teacher': the
            teacher's prediction on the image, for workflows that train on
            hard labels (pruning or quantization-aware fine-tuning). Defaults
            to 'generator'.
        teacher (dict, optional): config of the teacher classifier; required
            when ``label_source='teacher'``.
        teacher_ckpt (str, optional): the teacher's weights (weights-only
            loader); required when ``label_source='teacher'``.
        pipeline (list): mmpretrain/mmengine transforms, e.g.
            ``[dict(type='mmpretrain.PackInputs')]``.
        **kwargs: other :class:`mmengine.dataset.BaseDataset` arguments.

    Items (before the pipeline): ``{'img': uint8 (H, W, C), 'gt_label': int,
    'intended_label': int}`` (``intended_label``: the generator's class).
    """

    def __init__(self, generator: Dict, checkpoint: str, length: int = 60000,
                 mean: Optional[Sequence[float]] = None,
                 std: Optional[Sequence[float]] = None,
                 label_sampling: str = 'balanced', seed: int = 0,
                 synth_batch_size: int = 500, prefix: str = 'generator.',
                 label_source: str = 'generator',
                 teacher: Optional[Dict] = None,
                 teacher_ckpt: Optional[str] = None,
                 pipeline: Sequence = (), **kwargs) -> None:
        if length < 1 or synth_batch_size < 1:
            raise ValueError('GeneratorDataset: length and synth_batch_size '
                             'must be >= 1.')
        if label_sampling not in ('balanced', 'uniform'):
            raise ValueError("GeneratorDataset: label_sampling must be "
                             f"'balanced' or 'uniform', got {label_sampling!r}.")
        if label_source not in ('generator', 'teacher'):
            raise ValueError("GeneratorDataset: label_source must be "
                             f"'generator' or 'teacher', got {label_source!r}.")
        if label_source == 'teacher' and (teacher is None or not teacher_ckpt):
            raise ValueError(
                "GeneratorDataset: label_source='teacher' needs the teacher: "
                'set teacher=<classifier config> and teacher_ckpt=<path>.')
        self.label_source = label_source
        self.teacher_cfg, self.teacher_ckpt = teacher, teacher_ckpt
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

    def build_teacher(self) -> Optional[torch.nn.Module]:
        """The labelling teacher in eval mode, or None."""
        if self.label_source != 'teacher':
            return None
        teacher = MODELS.build(self.teacher_cfg)
        load_teacher_checkpoint(teacher, self.teacher_ckpt)
        return teacher.eval()

    def _labels(self, rng: torch.Generator, num_classes: int) -> torch.Tensor:
        # The remainder is drawn once for the whole dataset: from class 0.
        return sample_pseudo_labels(self.length, num_classes,
                                    self.label_sampling, generator=rng,
                                    random_offset=False)

    @torch.no_grad()
    def load_data_list(self) -> List[dict]:
        generator = self.build_generator().train()
        teacher = self.build_teacher()
        rng = torch.Generator().manual_seed(self.seed)
        labels = self._labels(rng, generator.num_classes)
        data_list = []
        agree = 0
        for start in range(0, self.length, self.synth_batch_size):
            y = labels[start:start + self.synth_batch_size]
            z = torch.randn(len(y), generator.latent_dim, generator=rng)
            pixels = denormalize(generator(z, y), self.mean, self.std)
            stored = (pixels * 255).round().byte()
            targets = y
            if teacher is not None:
                # Label the image as stored (clipped, 8-bit), which is what
                # the trained model will see.
                seen = normalize(stored.float() / 255, self.mean, self.std)
                targets = teacher(seen, None, mode='tensor').argmax(1)
                agree += int((targets == y).sum())
            images = stored.permute(0, 2, 3, 1)
            for img, label, intended in zip(images.numpy(), targets.tolist(),
                                            y.tolist()):
                data_list.append(dict(img=np.ascontiguousarray(img),
                                      gt_label=label, intended_label=intended))
        if teacher is not None:
            print_log(f'GeneratorDataset: labelled {self.length} images with '
                      f'the teacher; it agrees with the generator\'s class '
                      f'on {100 * agree / self.length:.1f} %.',
                      logger='current')
        self._metainfo.setdefault(
            'classes', tuple(str(i) for i in range(generator.num_classes)))
        return data_list
