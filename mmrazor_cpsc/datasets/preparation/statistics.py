"""Per-channel mean and standard deviation of a set of images, as the data
preprocessor of a generated config needs them."""
from __future__ import annotations

from typing import List, Tuple

import numpy as np

from .image_folders import load_image

# PIL modes of single-channel images.
GREY_MODES = ('L', '1', 'I;16', 'I')


def is_grey(paths: List[str]) -> bool:
    """True when every image in ``paths`` has one channel (headers only)."""
    grey = True
    for path in paths:
        with load_image(path, decode=False) as image:
            grey = grey and image.mode in GREY_MODES
    return grey


def image_statistics(paths: List[str],
                     size: int) -> Tuple[int, List[float], List[float]]:
    """Channels, mean and std of ``paths`` resized to ``size`` x ``size``.

    Every image is decoded in full on the way, so an unreadable or
    truncated one raises a LayoutError naming it.

    Args:
        paths: image files.
        size: the square size the pipeline resizes them to (bilinear).

    Returns:
        (1 when every image is grey, else 3; mean per channel; std per
        channel), on the 0-255 scale, RGB order, rounded to 3 decimals.
    """
    from PIL import Image
    grey = is_grey(paths)
    sums = squares = None
    count = 0
    for path in paths:
        with load_image(path) as image:
            resized = image.convert('L' if grey else 'RGB').resize(
                (size, size), Image.BILINEAR)
        pixels = np.asarray(resized, dtype=np.float64).reshape(size * size, -1)
        sums = pixels.sum(0) if sums is None else sums + pixels.sum(0)
        squares = ((pixels**2).sum(0) if squares is None else squares +
                   (pixels**2).sum(0))
        count += pixels.shape[0]
    mean = sums / count
    std = np.sqrt(np.maximum(squares / count - mean**2, 1e-12))
    return (1 if grey else 3), [round(float(m), 3) for m in mean], [
        round(float(s), 3) for s in std]
