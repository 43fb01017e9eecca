"""The student with its normalisation as an ONNX file, checked against
PyTorch with onnxruntime."""
from __future__ import annotations

import json
import os
from typing import Dict

import numpy as np
import torch
from mmengine.config import Config
from torch import nn

from ..utils.config_checks import ConfigError
from .deploy_config import build_classifier, input_channels


class PixelsToLogits(nn.Module):
    """The student with its normalisation: float pixels (0-255, N x C x H x
    W, RGB or one grey channel) in, logits (N x classes) out. What the
    ONNX file computes.

    Args:
        classifier: an mmpretrain classifier (``mode='tensor'`` gives logits).
        mean, std: per channel, 0-255, as the data preprocessor's.
    """

    def __init__(self, classifier: nn.Module, mean: torch.Tensor,
                 std: torch.Tensor) -> None:
        super().__init__()
        self.classifier = classifier
        self.register_buffer('mean', mean.reshape(1, -1, 1, 1))
        self.register_buffer('std', std.reshape(1, -1, 1, 1))

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        """N x C x H x W pixels (0-255) -> N x classes logits."""
        return self.classifier((pixels - self.mean) / self.std, mode='tensor')


def export_onnx(deploy_cfg: Config, checkpoint: str, out: str,
                image_size: int, check_batch: int = 4,
                seed: int = 0) -> Dict:
    """Export the student of ``deploy_cfg`` with weights ``checkpoint`` to
    ONNX (:class:`PixelsToLogits`, dynamic batch), run the file through
    onnxruntime on ``check_batch`` random images and compare with PyTorch.

    Args:
        deploy_cfg: from :func:`student_deploy_config`.
        checkpoint: the student's weights (from :func:`export_student`).
        out: the ONNX file to write.
        image_size: the square input size of the check images.
        check_batch, seed: the random check images.

    Returns:
        dict: the record also written to ``out + '.json'``: input layout
        (name, shape, range, channels), output, class names and
        ``max_abs_diff_vs_pytorch``.
    """
    from mmengine.runner import load_checkpoint

    from ..compat import safe_mmengine_checkpoint_loading
    classifier = build_classifier(deploy_cfg.model).eval()
    with safe_mmengine_checkpoint_loading():
        load_checkpoint(classifier, checkpoint, map_location='cpu',
                        strict=True)
    preprocessor = deploy_cfg.model.get('data_preprocessor') or {}
    channels = input_channels(classifier)
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
    classes = list(deploy_cfg.dataset_meta['classes'])
    record = dict(
        input=dict(name='pixels', shape=['batch', channels, image_size,
                                         image_size],
                   range='0-255 float32',
                   channels='grey' if channels == 1 else 'RGB'),
        output=dict(name='logits', shape=['batch', len(classes)]),
        classes=classes,
        max_abs_diff_vs_pytorch=float(np.abs(got - expected).max()))
    with open(out + '.json', 'w') as f:
        json.dump(record, f, indent=1)
    return record
