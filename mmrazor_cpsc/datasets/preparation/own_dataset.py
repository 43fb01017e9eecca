"""A user's own image dataset, from class folders or IDX files to the
configs of a teacher and a CPSC student (``tools/prepare_dataset.py``)."""
from __future__ import annotations

import os.path as osp
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional

from .dataset_configs import write_dataset_configs
from .errors import LayoutError
from .idx import find_idx, idx_to_folders
from .image_folders import check_images, check_root, read_layout
from .statistics import image_statistics


@dataclass
class PreparedDataset:
    """What :func:`prepare_own_dataset` found and wrote.

    Attributes:
        root: the class-folder root the configs read.
        classes: class names in index order.
        train_count, test_count: images in train/ and in the test split.
        test_split: 'test' or 'val'.
        held_out: training images per class kept for validation.
        channels: 1 (grey) or 3 (RGB).
        mean, std: per channel, 0-255, of the resized training images.
        configs: 'dataset' / 'teacher' / 'cpsc' -> written config path.
    """
    root: str
    classes: List[str]
    train_count: int
    test_count: int
    test_split: str
    held_out: int
    channels: int
    mean: List[float]
    std: List[float]
    configs: Dict[str, str]


def check_options(name: str, image_size: int, teacher_epochs: int) -> None:
    """Raise a ValueError naming the first option out of range."""
    if not name.replace('_', '').replace('-', '').isalnum():
        raise ValueError(f'--name {name!r}: letters, digits, - and _ only.')
    if image_size < 8 or image_size % 4:
        raise ValueError(f'--image-size must be a multiple of 4 and at least '
                         f'8 (the generator upsamples twice), got '
                         f'{image_size}.')
    if teacher_epochs < 2:
        raise ValueError('--teacher-epochs must be at least 2 (one warm-up '
                         'epoch, then the cosine).')


def _folders_from_idx(root: str, out: str, name: str,
                      class_names: Optional[List[str]],
                      log: Callable[[str], None]) -> str:
    """Class folders for ``root``: itself, or its IDX files written out
    once as ``OUT/NAME_images``."""
    idx = find_idx(root)
    if not idx:
        if class_names:
            raise LayoutError('--class-names is for IDX files; class folders '
                              'are named by their folders.')
        return root
    folders = osp.join(out, f'{name}_images')
    if osp.isdir(folders):
        log(f'{folders} exists; reading it (delete it to convert the IDX '
            'files again).')
    else:
        idx_to_folders(idx, folders, class_names or [])
        log(f'IDX files of {root} written as class folders to {folders}')
    return folders


def prepare_own_dataset(root: str, name: str, out: str, image_size: int = 32,
                        held_out_per_class: Optional[int] = None,
                        teacher_epochs: int = 30,
                        class_names: Optional[List[str]] = None,
                        log: Callable[[str], None] = print
                        ) -> PreparedDataset:
    """Check a dataset, decode every image, compute its statistics and write
    its dataset, teacher and CPSC configs.

    Args:
        root: ``ROOT/{train,test|val}/<class>/<image>``, or a folder of IDX
            files (``train-*`` and ``t10k-*``/``test-*``, maybe gzipped).
        name: the dataset's name (file and work_dir names).
        out: the folder the configs (and converted IDX images) go to.
        image_size: the square size images are resized to.
        held_out_per_class: training images per class kept for
            validation; default a tenth of the smallest class, at least 1.
        teacher_epochs: the teacher config's epochs.
        class_names: IDX files only: names in label order.
        log: called with each progress line.

    Raises:
        LayoutError: naming the first problem of the dataset and its fix.
        ValueError: an option out of range.
    """
    check_options(name, image_size, teacher_epochs)
    given = root
    root, out = osp.abspath(root), osp.abspath(out)
    check_root(root, given)
    folders = _folders_from_idx(root, out, name, class_names, log)
    layout = read_layout(folders)
    if layout.test_split == 'test' and osp.isdir(osp.join(folders, 'val')):
        log(f'{folders}/val is not read: the student is tested on test/.')
    smallest = min(len(v) for v in layout.train.values())
    held_out = (held_out_per_class if held_out_per_class is not None else
                max(1, smallest // 10))
    if not 1 <= held_out < smallest:
        raise LayoutError(
            f'--held-out-per-class {held_out}: the smallest class has '
            f'{smallest} training images; keep at least one to train on.')
    train = [p for paths in layout.train.values() for p in paths]
    test = [p for paths in layout.test.values() for p in paths]
    # Statistics decode every training image; the test split is decoded
    # here so that a bad file fails now, not at the end of a training run.
    channels, mean, std = image_statistics(train, image_size)
    check_images(test)
    classes = list(layout.train)
    configs = write_dataset_configs(
        out, name, folders, classes, layout.test_split, image_size, channels,
        mean, std, held_out, len(train), teacher_epochs, source=root)
    return PreparedDataset(folders, classes, len(train), len(test),
                           layout.test_split, held_out, channels, mean, std,
                           configs)
