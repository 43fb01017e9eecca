"""CIFAR-10 in the python-batches layout mmpretrain's ``CIFAR10`` reads
(``ROOT/cifar-10-batches-py/{data_batch_1..5,test_batch,batches.meta}``),
built from a folder or archive of ``train|test/<class>/*.jpg|png`` images.

The batches are pickled as the official download is, so the same configs
serve a user who let ``mmpretrain.CIFAR10(download=True)`` fetch the
original. Re-encoded copies (such as a JPEG one) decode to slightly
different pixels than the original binaries, so their files cannot match
the official md5 sums; the configs read them with ``LocalCIFAR10``, which
checks layout, counts and labels (:func:`problems`) instead.
"""
from __future__ import annotations

import io
import json
import os
import os.path as osp
import pickle
import shutil
import tarfile
import tempfile
from typing import Dict, Iterator, List, Optional, Tuple

import numpy as np

from .errors import LayoutError

BASE_FOLDER = 'cifar-10-batches-py'
CLASSES = ('airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog',
           'horse', 'ship', 'truck')
IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png')
TRAIN_BATCHES = 5
OFFICIAL_COUNTS = {'train': 50000, 'test': 10000}
DOWNLOAD_HINT = (
    'With internet access, mmpretrain downloads the original CIFAR-10 itself: '
    "python -c \"from mmpretrain.datasets import CIFAR10; "
    "CIFAR10(data_root='data/cifar10', split='test', download=True)\" "
    '(https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz, 163 MB).')


def batch_files() -> List[str]:
    """The batch file names: five training batches, then the test batch."""
    return [f'data_batch_{i}' for i in range(1, TRAIN_BATCHES + 1)] + [
        'test_batch'
    ]


def _load_pickle(path: str) -> dict:
    """The pickled dict in PATH; an empty dict when it is not one (a
    truncated or foreign file), which the checks then report."""
    try:
        with open(path, 'rb') as f:
            data = pickle.load(f, encoding='latin1')
    except Exception:  # any unreadable file is simply "not a CIFAR batch"
        return {}
    return data if isinstance(data, dict) else {}


def problems(root: str,
             expected: Optional[Dict[str, int]] = None) -> List[str]:
    """What is missing or wrong in ``root/cifar-10-batches-py`` (empty if
    fine).

    Args:
        root: the dataset root.
        expected: 'train' / 'test' -> the number of images per split; the
            official counts when None. Every class must appear equally
            often.
    """
    expected = expected or OFFICIAL_COUNTS
    folder = osp.join(root, BASE_FOLDER)
    found = []
    meta_path = osp.join(folder, 'batches.meta')
    if not osp.isfile(meta_path):
        found.append('batches.meta missing')
    elif tuple(_load_pickle(meta_path).get('label_names', ())) != CLASSES:
        found.append(f'batches.meta does not list the classes {CLASSES}')
    labels = {'train': [], 'test': []}
    for name in batch_files():
        path = osp.join(folder, name)
        if not osp.isfile(path):
            found.append(f'{name} missing')
            continue
        entry = _load_pickle(path)
        data, batch_labels = entry.get('data'), entry.get('labels')
        if (not isinstance(data, np.ndarray) or data.dtype != np.uint8
                or data.ndim != 2 or data.shape[1] != 3 * 32 * 32
                or batch_labels is None or len(batch_labels) != len(data)):
            found.append(f'{name} is not a CIFAR batch (uint8 N x 3072 data '
                         'with N labels)')
            continue
        labels['test' if name == 'test_batch' else 'train'].extend(
            batch_labels)
    for split, split_labels in labels.items():
        if not split_labels:
            continue
        if min(split_labels) < 0 or max(split_labels) >= len(CLASSES):
            found.append(f'{split} labels outside 0..{len(CLASSES) - 1}')
            continue
        counts = np.bincount(split_labels, minlength=len(CLASSES))
        if counts.sum() != expected[split] or len(set(counts)) != 1:
            found.append(f'{split} holds {counts.sum()} images, per class '
                         f'{counts.tolist()}; expected {expected[split]} '
                         'split equally over the classes')
    return found


def _split_labels(folder: str, split: str) -> list:
    names = ['test_batch'] if split == 'test' else batch_files()[:-1]
    labels = []
    for name in names:
        path = osp.join(folder, name)
        if osp.isfile(path):
            labels.extend(_load_pickle(path).get('labels', []))
    return labels


def existing_problems(root: str, any_size: bool = False) -> List[str]:
    """:func:`problems` of what is already in ``root``; with ``any_size``,
    the split sizes found there are taken as the expected ones."""
    folder = osp.join(root, BASE_FOLDER)
    expected = None
    if any_size:
        expected = {s: len(_split_labels(folder, s))
                    for s in ('train', 'test')}
    return problems(root, expected)


def _source_images(source: str) -> Iterator[Tuple[str, str, str, bytes]]:
    """(split, class name, file name, encoded image) for every image."""
    if osp.isdir(source):
        for split in ('train', 'test'):
            for cls in CLASSES:
                folder = osp.join(source, split, cls)
                if not osp.isdir(folder):
                    continue
                for name in sorted(os.listdir(folder)):
                    if name.lower().endswith(IMAGE_SUFFIXES):
                        path = osp.join(folder, name)
                        with open(path, 'rb') as f:
                            yield split, cls, path, f.read()
        return
    try:
        tar = tarfile.open(source)
    except tarfile.TarError as err:
        raise LayoutError(f'{source} is neither a folder nor a readable '
                          f'.tar / .tar.gz archive ({err}).') from None
    with tar:
        for member in tar:
            parts = member.name.strip('./').split('/')
            if (member.isfile() and len(parts) >= 3
                    and parts[-1].lower().endswith(IMAGE_SUFFIXES)):
                yield (parts[-3], parts[-2], member.name,
                       tar.extractfile(member).read())


def read_source(source: str) -> Dict[str, Tuple[np.ndarray, np.ndarray]]:
    """Decode every image of ``source`` (folder or archive).

    Returns:
        split -> (N x 32 x 32 x 3 uint8 RGB images, N int64 labels).

    Raises:
        LayoutError: an unreadable image, one not 32 x 32, or a split
            without images.
    """
    from PIL import Image
    images = {'train': [], 'test': []}
    labels = {'train': [], 'test': []}
    unknown = set()
    for split, cls, name, encoded in _source_images(source):
        if split not in images or cls not in CLASSES:
            unknown.add(f'{split}/{cls}')
            continue
        try:
            img = Image.open(io.BytesIO(encoded)).convert('RGB')
        # OSError: unidentified or truncated; SyntaxError: broken PNG chunks
        except (OSError, SyntaxError, ValueError) as err:
            raise LayoutError(f'{source}: {name} is not a readable image '
                              f'({err}).') from None
        if img.size != (32, 32):
            raise LayoutError(f'{source}: an image in {split}/{cls} is '
                              f'{img.size[0]}x{img.size[1]}, not 32x32.')
        images[split].append(np.asarray(img, dtype=np.uint8))
        labels[split].append(CLASSES.index(cls))
    missing = [s for s in images if not images[s]]
    if missing:
        raise LayoutError(
            f'{source} has no images under {", ".join(missing)}/<class>/ '
            f'(found folders: {sorted(unknown) or "none"}). Expected '
            f'train/<class>/*.jpg and test/<class>/*.jpg with the classes '
            f'{", ".join(CLASSES)}.')
    return {s: (np.stack(images[s]), np.asarray(labels[s], dtype=np.int64))
            for s in images}


def _dump(obj: dict, path: str) -> None:
    with open(path, 'wb') as f:
        pickle.dump(obj, f, protocol=4)


def write_batches(splits: Dict[str, Tuple[np.ndarray, np.ndarray]],
                  folder: str) -> dict:
    """Write the pickled batches and ``stats.json`` into ``folder``.

    Args:
        splits: from :func:`read_source`.
        folder: the ``cifar-10-batches-py`` folder to write.

    Returns:
        The training images' mean and std per channel (RGB, 0-255).
    """
    os.makedirs(folder, exist_ok=True)
    train_imgs, train_labels = splits['train']
    # The official batches hold the images in random order; a fixed
    # permutation keeps every batch mixed and the output reproducible.
    order = np.random.RandomState(0).permutation(len(train_labels))
    chunks = np.array_split(order, TRAIN_BATCHES)
    parts = [(f'data_batch_{i + 1}', f'training batch {i + 1} of 5', idx)
             for i, idx in enumerate(chunks)]
    test_imgs, test_labels = splits['test']
    for name, title, imgs, lbls in (
            [(n, t, train_imgs[i], train_labels[i]) for n, t, i in parts]
            + [('test_batch', 'testing batch 1 of 1', test_imgs,
                test_labels)]):
        _dump(dict(batch_label=title,
                   labels=[int(v) for v in lbls],
                   # CHW planes per row, as the official files store them
                   data=np.ascontiguousarray(
                       imgs.transpose(0, 3, 1, 2).reshape(len(imgs), -1)),
                   filenames=[f'{CLASSES[v]}_{k:05d}.png'
                              for k, v in enumerate(lbls)]),
              osp.join(folder, name))
    _dump(dict(num_cases_per_batch=len(chunks[0]),
               label_names=list(CLASSES), num_vis=3 * 32 * 32),
          osp.join(folder, 'batches.meta'))
    pixels = train_imgs.reshape(-1, 3).astype(np.float64)
    stats = dict(mean=[round(v, 3) for v in pixels.mean(0).tolist()],
                 std=[round(v, 3) for v in pixels.std(0).tolist()],
                 note='RGB, 0-255 scale, over the decoded training images')
    with open(osp.join(folder, 'stats.json'), 'w') as f:
        json.dump(stats, f, indent=2)
    return stats


def prepare_cifar10(source: str, root: str, any_size: bool = False) -> dict:
    """Build ``root/cifar-10-batches-py`` from ``source``; return the stats.

    The source must hold the official 50,000 / 10,000 images unless
    ``any_size`` (then any class-balanced split sizes pass). Writes into a
    temporary folder beside the target and moves it into place only when
    complete, so an interrupted run never leaves a half dataset.

    Raises:
        FileNotFoundError: no ``source``.
        LayoutError: the source does not give CIFAR-10.
    """
    if not osp.exists(source):
        raise FileNotFoundError(
            f'CIFAR-10 source not found: {source}. Pass --source with the '
            'archive or a folder of train|test/<class>/*.jpg images. '
            + DOWNLOAD_HINT)
    splits = read_source(source)
    expected = ({s: len(splits[s][1]) for s in splits} if any_size
                else OFFICIAL_COUNTS)
    os.makedirs(root, exist_ok=True)
    staging = tempfile.mkdtemp(prefix='.cifar10-', dir=root)
    try:
        stats = write_batches(splits, osp.join(staging, BASE_FOLDER))
        found = problems(staging, expected)
        if found:
            raise LayoutError(
                f'{source} does not give CIFAR-10: {"; ".join(found)}'
                + ('' if any_size else ' (--allow-any-size accepts smaller '
                   'class-balanced sets)'))
        target = osp.join(root, BASE_FOLDER)
        if osp.exists(target):
            shutil.rmtree(target)
        os.replace(osp.join(staging, BASE_FOLDER), target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return stats
