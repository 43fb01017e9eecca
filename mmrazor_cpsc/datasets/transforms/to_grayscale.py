"""Colour image -> one channel, for single-channel students fed image files."""
from __future__ import annotations

from typing import Dict

import numpy as np
from mmcv.transforms import BaseTransform
from mmpretrain.registry import TRANSFORMS


@TRANSFORMS.register_module()
class ToGrayscale(BaseTransform):
    """Convert ``results['img']`` from BGR (how mmcv reads image files) to
    one channel, ``H x W`` uint8, the layout of MNIST-style datasets.

    Registered in mmpretrain's TRANSFORMS, so mmpretrain's
    ``ImageClassificationInferencer`` builds it from a student config. A
    student trained on grayscale arrays sees the same pixels from a PNG: a
    grayscale file is read as three equal channels, and the luma weights
    (ITU-R BT.601, as OpenCV's BGR2GRAY) sum to one, so they come back
    unchanged. Images that already have one channel pass through.

    Required keys: ``img`` (``H x W x 3`` BGR or ``H x W``).
    Modified keys: ``img`` (``H x W``, uint8).
    """

    # B, G, R weights of BT.601 luma.
    WEIGHTS = np.array([0.114, 0.587, 0.299])

    def transform(self, results: Dict) -> Dict:
        img = results['img']
        if img.ndim == 3 and img.shape[2] == 3:
            gray = img.astype(np.float64) @ self.WEIGHTS
            results['img'] = np.clip(np.rint(gray), 0, 255).astype(np.uint8)
        elif img.ndim == 3 and img.shape[2] == 1:
            results['img'] = img[..., 0]
        elif img.ndim != 2:
            raise ValueError(f'ToGrayscale: expected an H x W x 3 (BGR) or '
                             f'H x W image, got shape {img.shape}.')
        return results
