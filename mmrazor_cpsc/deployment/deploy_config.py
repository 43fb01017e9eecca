"""A distilled student as a deployable model: an mmpretrain config that
classifies image files (mmpretrain's ``ImageClassificationInferencer``),
class names in the checkpoint, and an ONNX export checked against PyTorch."""
from __future__ import annotations

import copy
import json
import os
from typing import Dict, List, Optional

import numpy as np
import torch
from mmengine.config import Config
from torch import nn

from .config_checks import ConfigError


def _innermost_dataset(dataset_cfg: Dict) -> Dict:
    """The dataset that owns the pipeline (wrappers such as HeldOutSplit
    keep theirs under ``dataset``)."""
    while 'pipeline' not in dataset_cfg and isinstance(
            dataset_cfg.get('dataset'), dict):
        dataset_cfg = dataset_cfg['dataset']
    return dataset_cfg


def dataset_class_names(cfg: Config) -> List[str]:
    """Class names of the config's test set: its ``metainfo`` when set, else
    the dataset class's own (mmpretrain's MNIST, CIFAR10, ...)."""
    from mmpretrain.registry import DATASETS
    dataset = _innermost_dataset(cfg.test_dataloader.dataset)
    classes = (dataset.get('metainfo') or {}).get('classes')
    if classes is None:
        dataset_cls = DATASETS.get(dataset['type'])
        classes = getattr(dataset_cls, 'METAINFO', {}).get('classes')
    if not classes:
        raise ConfigError(
            f"cannot tell the class names of test dataset {dataset['type']!r}"
            ": set test_dataloader.dataset.metainfo=dict(classes=[...]).")
    return list(classes)


def _input_channels(model: nn.Module) -> int:
    first = next((m for m in model.modules() if isinstance(m, nn.Conv2d)),
                 None)
    if first is None:
        raise ConfigError('the student has no Conv2d: cannot tell how many '
                          'image channels it takes.')
    return first.in_channels


def _build_classifier(model_cfg: Dict) -> nn.Module:
    from mmpretrain.registry import MODELS
    return MODELS.build(copy.deepcopy(model_cfg))


def student_deploy_config(cfg: Config) -> Config:
    """An mmpretrain config of the student alone, for image files.

    ``model`` is the distillation config's ``model.architecture`` with the
    algorithm's data preprocessor; the test pipeline is the config's, made
    to accept what mmcv reads from an image file (BGR, three channels): a
    single-channel student gets :class:`ToGrayscale` first, and a
    three-channel student trained on an in-memory dataset (mmpretrain's
    CIFAR classes hand out RGB arrays) gets ``to_rgb=True``. Pipelines that
    load files themselves (``LoadImageFromFile``) are kept as they are.
    """
    student = cfg.model.get('architecture')
    if not isinstance(student, dict) or 'type' not in student:
        raise ConfigError(
            'model.architecture must be a classifier config dict with a '
            '`type` to export the student, got '
            f'{type(student).__name__}.')
    preprocessor = copy.deepcopy(cfg.model.get('data_preprocessor') or {})
    dataset = _innermost_dataset(cfg.test_dataloader.dataset)
    pipeline = copy.deepcopy(list(dataset.get('pipeline', [])))
    loads_files = any('LoadImageFromFile' in str(t.get('type'))
                      for t in pipeline)
    channels = _input_channels(_build_classifier(student))
    if not loads_files:
        if channels == 1:
            pipeline.insert(0, dict(type='ToGrayscale'))
        elif channels == 3:
            preprocessor['to_rgb'] = True
    model = dict(copy.deepcopy(student), data_preprocessor=preprocessor)
    return Config(dict(
        default_scope='mmpretrain',
        custom_imports=dict(imports=['mmrazor_cpsc'],
                            allow_failed_imports=False),
        model=model,
        test_dataloader=dict(dataset=dict(type='CustomDataset',
                                          pipeline=pipeline)),
        dataset_meta=dict(classes=dataset_class_names(cfg))))


class PixelsToLogits(nn.Module):
    """The student with its normalisation: float pixels (0-255, N x C x H x
    W, RGB or one grey channel) in, logits (N x classes) out. What the
    ONNX file computes."""

    def __init__(self, classifier: nn.Module, mean: torch.Tensor,
                 std: torch.Tensor) -> None:
        super().__init__()
        self.classifier = classifier
        self.register_buffer('mean', mean.reshape(1, -1, 1, 1))
        self.register_buffer('std', std.reshape(1, -1, 1, 1))

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        return self.classifier((pixels - self.mean) / self.std, mode='tensor')


def export_onnx(deploy_cfg: Config, checkpoint: str, out: str,
                image_size: int, check_batch: int = 4,
                seed: int = 0) -> Dict:
    """Export the student of ``deploy_cfg`` with weights ``checkpoint`` to
    ONNX (:class:`PixelsToLogits`, dynamic batch), run the file through
    onnxruntime on ``check_batch`` random images and compare with PyTorch.
    Writes ``out`` and ``out + '.json'`` (input layout, class names, the
    measured difference); returns that record."""
    from mmengine.runner import load_checkpoint

    from ..compat import safe_mmengine_checkpoint_loading
    classifier = _build_classifier(deploy_cfg.model).eval()
    with safe_mmengine_checkpoint_loading():
        load_checkpoint(classifier, checkpoint, map_location='cpu',
                        strict=True)
    preprocessor = deploy_cfg.model.get('data_preprocessor') or {}
    channels = _input_channels(classifier)
    mean = torch.tensor(preprocessor.get('mean', [0.0] * channels),
                        dtype=torch.float32)
    std = torch.tensor(preprocessor.get('std', [1.0] * channels),
                       dtype=torch.float32)
    model = PixelsToLogits(classifier, mean, std).eval()
    generator = torch.Generator().manual_seed(seed)
    pixels = torch.rand(check_batch, channels, image_size, image_size,
                        generator=generator) * 255
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with torch.no_grad():
        expected = model(pixels).numpy()
        torch.onnx.export(
            model, (pixels, ), out, dynamo=False, input_names=['pixels'],
            output_names=['logits'], opset_version=17,
            dynamic_axes={'pixels': {0: 'batch'}, 'logits': {0: 'batch'}})
    try:
        import onnxruntime
    except ImportError:
        raise ConfigError('checking the ONNX file needs onnxruntime: pip '
                          'install onnxruntime.') from None
    session = onnxruntime.InferenceSession(
        out, providers=['CPUExecutionProvider'])
    got = session.run(['logits'], {'pixels': pixels.numpy()})[0]
    record = dict(
        input=dict(name='pixels', shape=['batch', channels, image_size,
                                         image_size],
                   range='0-255 float32',
                   channels='grey' if channels == 1 else 'RGB'),
        output=dict(name='logits', shape=['batch', len(
            deploy_cfg.dataset_meta['classes'])]),
        classes=list(deploy_cfg.dataset_meta['classes']),
        max_abs_diff_vs_pytorch=float(np.abs(got - expected).max()))
    with open(out + '.json', 'w') as f:
        json.dump(record, f, indent=1)
    return record


def image_size_of(cfg: Config, default: Optional[int] = None) -> int:
    """The square input size the student is trained on: the generator's
    ``img_size`` (data-free configs), else ``default``."""
    size = (cfg.model.get('generator') or {}).get('img_size', default)
    if size is None:
        raise ConfigError('cannot tell the input size: pass --image-size.')
    return int(size)
