"""Class folders (``ROOT/<split>/<class>/<image>``): the layout mmpretrain's
``CustomDataset`` reads, its checks, and decoding every image once."""
from __future__ import annotations

import os
import os.path as osp
from typing import Dict, List, NamedTuple

from .errors import LayoutError

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif',
                    '.tiff', '.webp')
# Where the distilled student is tested, in order of preference.
TEST_SPLITS = ('test', 'val')


class FolderLayout(NamedTuple):
    """A checked ``ROOT``: ``train`` and ``test`` map each class name (in
    sorted order, which mmpretrain's class indices follow) to its image
    paths; ``test_split`` is the folder the test images come from."""
    train: Dict[str, List[str]]
    test_split: str
    test: Dict[str, List[str]]


def expected_layout(root: str) -> str:
    """The layout, spelled out for messages."""
    return (f'{root}/train/<class>/<image> and {root}/test/<class>/<image> '
            '(or val/)')


def class_folders(split_dir: str) -> Dict[str, List[str]]:
    """Class name -> sorted image paths for each folder in ``split_dir``.

    Raises:
        LayoutError: a class folder holds no image.
    """
    classes = {}
    for name in sorted(os.listdir(split_dir)):
        folder = osp.join(split_dir, name)
        if not osp.isdir(folder):
            continue
        images = sorted(f for f in os.listdir(folder)
                        if f.lower().endswith(IMAGE_EXTENSIONS))
        if not images:
            kinds = ', '.join(IMAGE_EXTENSIONS)
            raise LayoutError(f'{folder} holds no images ({kinds}); remove '
                              'it or add its images.')
        classes[name] = [osp.join(folder, f) for f in images]
    return classes


def check_root(root: str, given: str = '') -> None:
    """Raise a LayoutError when ``root`` is not an existing directory.

    Args:
        root: the absolute dataset root.
        given: the root as the user typed it, named when it differs.
    """
    if osp.isdir(root):
        return
    typed = (f" ('{given}' from {os.getcwd()})"
             if given and given != root else '')
    what = 'is a file, not a folder' if osp.exists(root) else 'does not exist'
    raise LayoutError(
        f'the dataset root {root}{typed} {what}: give the folder that holds '
        f'train/<class>/ and test/<class>/ (or the IDX files); if you moved '
        'it, give its new place.')


def read_layout(root: str) -> FolderLayout:
    """Check that ``root`` holds train/ and test/ (or val/) class folders
    naming the same classes, at least two.

    Raises:
        LayoutError: naming what is missing or different.
    """
    check_root(root)
    if not osp.isdir(osp.join(root, 'train')):
        raise LayoutError(f'{root} has no train/ folder. Expected '
                          f'{expected_layout(root)}.')
    test_split = next((s for s in TEST_SPLITS
                       if osp.isdir(osp.join(root, s))), None)
    if test_split is None:
        raise LayoutError(f'{root} has no test/ (or val/) folder: the '
                          'distilled student is evaluated on it.')
    train = class_folders(osp.join(root, 'train'))
    test = class_folders(osp.join(root, test_split))
    if len(train) < 2:
        raise LayoutError(f'{root}/train needs one folder per class, at least '
                          f'two; found {len(train)}.')
    if set(train) != set(test):
        raise LayoutError(
            f'train/ and {test_split}/ name different classes: only in '
            f'train: {sorted(set(train) - set(test))}, only in {test_split}:'
            f' {sorted(set(test) - set(train))}.')
    return FolderLayout(train, test_split, test)


def load_image(path: str, decode: bool = True):
    """The image at ``path`` as a PIL image, decoded in full unless
    ``decode`` is False (then only its header is read, e.g. for its mode):
    a truncated file fails here, not in the middle of a training run.

    Raises:
        LayoutError: the file cannot be opened or decoded.
    """
    from PIL import Image
    try:
        image = Image.open(path)
        if decode:
            image.load()
    # Decoders raise OSError (truncated, unidentified), SyntaxError (broken
    # PNG chunks), ValueError or DecompressionBombError: each means the same
    # to the user, a file to replace.
    except Exception as error:  # noqa: BLE001
        reason = (str(error).splitlines() or [type(error).__name__])[0]
        raise LayoutError(
            f'{path} cannot be decoded ({reason}): replace or delete this '
            'file, then run prepare_dataset again.') from None
    return image


def check_images(paths: List[str]) -> None:
    """Decode every image in ``paths`` in full (see :func:`load_image`)."""
    for path in paths:
        load_image(path).close()
