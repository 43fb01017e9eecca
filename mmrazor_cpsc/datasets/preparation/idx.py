"""IDX files (the MNIST format) turned into class folders.

The files are read by mmpretrain's own IDX reader (the one its ``MNIST``
dataset uses); this module adds the checks a stranger's files need and
names what is wrong in one line instead of a bare assertion.
"""
from __future__ import annotations

import os
import os.path as osp
import shutil
from typing import Dict, List, Tuple

import numpy as np

from .errors import LayoutError

# split -> the file-name prefixes it may use (MNIST's test split is t10k).
IDX_SPLITS = {'train': ('train', ), 'test': ('t10k', 'test')}
IMAGES, LABELS = 'images-idx3-ubyte', 'labels-idx1-ubyte'


def _idx_file(root: str, prefix: str, kind: str) -> str:
    for name in (f'{prefix}-{kind}', f'{prefix}-{kind}.gz'):
        if osp.isfile(osp.join(root, name)):
            return osp.join(root, name)
    return ''


def find_idx(root: str) -> Dict[str, Tuple[str, str]]:
    """The IDX files in ``root``: split -> (images file, labels file), or
    {} when it holds none.

    Raises:
        LayoutError: a split lacks its images or labels file, or only one
            of the train and test splits is there.
    """
    found = {}
    for split, prefixes in IDX_SPLITS.items():
        for prefix in prefixes:
            images = _idx_file(root, prefix, IMAGES)
            labels = _idx_file(root, prefix, LABELS)
            if images or labels:
                if not (images and labels):
                    missing = LABELS if images else IMAGES
                    raise LayoutError(
                        f'{root}: {osp.basename(images or labels)} has no '
                        f"{missing.split('-')[0]} file beside it "
                        f'({prefix}-{missing}); add it.')
                found[split] = (images, labels)
                break
    if found and set(found) != set(IDX_SPLITS):
        raise LayoutError(f'{root} has IDX files for {sorted(found)} only: '
                          'give the train and the test split (t10k-* or '
                          'test-*).')
    return found


def _header(path: str) -> Tuple[int, int, Tuple[int, ...], int]:
    """(type code, dims, shape, number of values after the header)."""
    from mmpretrain.datasets.utils import open_maybe_compressed_file
    try:
        with open_maybe_compressed_file(path) as f:
            data = f.read()
    except (OSError, EOFError) as error:  # a damaged .gz
        raise LayoutError(f'{path} cannot be read ({error}); replace it.'
                          ) from None
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise LayoutError(f'{path} is not an IDX file (bad magic number); '
                          'give the MNIST-format files.')
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], 'big')
                  for i in range(ndim))
    return data[2], ndim, shape, max(0, len(data) - 4 - 4 * ndim)


def read_idx(path: str) -> np.ndarray:
    """An IDX file of unsigned bytes: images (N x H x W) or labels (N).

    Args:
        path: the file, optionally gzipped (``.gz``).

    Raises:
        LayoutError: not an IDX file, not of unsigned bytes, or holding
            another number of values than its header says.
    """
    from mmpretrain.datasets.mnist import read_sn3_pascalvincent_tensor
    path = os.fspath(path)
    kind, ndim, shape, values = _header(path)
    if kind != 0x08:
        raise LayoutError(f'{path} holds type 0x{kind:02x}; only unsigned '
                          'bytes (0x08, as MNIST) are read.')
    if not 1 <= ndim <= 3 or values != int(np.prod(shape)):
        raise LayoutError(f'{path}: header says {shape}, the file holds '
                          f'{values} values; the file is damaged or cut '
                          'short, replace it.')
    return read_sn3_pascalvincent_tensor(path, strict=True).numpy()


def _class_names(count: int, class_names: List[str]) -> List[str]:
    """Folder names in label order: a zero-padded label first, so that
    their sorted order (mmpretrain's ``CustomDataset`` class indices) is the
    label order; ``_<name>`` after it when names are given."""
    total = max(count, len(class_names))
    width = len(str(total - 1))
    return [str(i).zfill(width) + (f'_{class_names[i]}' if class_names
                                   else '') for i in range(total)]


def idx_to_folders(idx: Dict[str, Tuple[str, str]], out: str,
                   class_names: List[str]) -> str:
    """Write IDX images as ``OUT/{train,test}/<class>/<i>.png``.

    The files are written to ``OUT.partial`` and moved into place when
    complete, so an interrupted run leaves no half dataset at ``OUT``.

    Args:
        idx: split -> (images file, labels file), from :func:`find_idx`.
        out: the folder to create.
        class_names: names in label order, or [] for label numbers.

    Returns:
        ``out``.
    """
    from PIL import Image
    splits = {}
    for split, (images_file, labels_file) in idx.items():
        images, labels = read_idx(images_file), read_idx(labels_file)
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise LayoutError(
                f'{images_file} / {labels_file}: need N x H x W images and N '
                f'labels, got {images.shape} and {labels.shape}.')
        splits[split] = images, labels
    count = int(max(labels.max() for _, labels in splits.values())) + 1
    if class_names and len(class_names) < count:
        raise LayoutError(f'--class-names has {len(class_names)} names; the '
                          f'labels go up to {count - 1}.')
    names = _class_names(count, class_names)
    staging = out + '.partial'
    shutil.rmtree(staging, ignore_errors=True)  # an interrupted run's
    for split, (images, labels) in splits.items():
        for index, (image, label) in enumerate(zip(images, labels)):
            folder = osp.join(staging, split, names[label])
            os.makedirs(folder, exist_ok=True)
            Image.fromarray(image).save(osp.join(folder, f'{index}.png'))
    os.replace(staging, out)
    return out
