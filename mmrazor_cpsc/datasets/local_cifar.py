"""CIFAR-10 from a local ``cifar-10-batches-py`` folder, original or copy."""
from __future__ import annotations

from mmpretrain.datasets import CIFAR10
from mmpretrain.registry import DATASETS


@DATASETS.register_module()
class LocalCIFAR10(CIFAR10):
    """mmpretrain's ``CIFAR10`` that accepts any faithful copy of the files.

    It reads exactly the layout of the official python download
    (``data_root/cifar-10-batches-py/``: ``data_batch_1..5``, ``test_batch``,
    ``batches.meta``)
    with mmpretrain's own code; only the md5 comparison against the official
    archive is left out, because a copy rebuilt from image files (the offline
    JPEG copy prepared by ``tools/prepare_cifar10.py``) decodes to slightly
    different pixels and can never match those sums. What a copy must get
    right is checked by the tool instead: file layout, 50,000 / 10,000
    images, 5,000 / 1,000 per class, CIFAR-10's class names. Nothing is ever
    downloaded (``download`` is always False): a missing folder stops with
    the command that prepares it.

    Args: as :class:`mmpretrain.datasets.CIFAR10`, without ``download``.
    Items: ``img`` 32 x 32 x 3 uint8 RGB and ``gt_label`` in 0..9.
    """
    train_list = [[name, None] for name, _ in CIFAR10.train_list]
    test_list = [[name, None] for name, _ in CIFAR10.test_list]
    meta = {**CIFAR10.meta, 'md5': None}

    def __init__(self, *args, **kwargs) -> None:
        if kwargs.pop('download', False):
            raise ValueError(
                'LocalCIFAR10 never downloads: use type="mmpretrain.CIFAR10" '
                'with download=True to fetch the original, or prepare a '
                'local copy with tools/prepare_cifar10.py.')
        super().__init__(*args, download=False, **kwargs)

    def load_data_list(self):
        if not self._check_integrity():
            raise FileNotFoundError(
                f"CIFAR-10 not found in {self.data_prefix['root']}/"
                f'{self.base_folder}. Prepare it with `python '
                f"tools/prepare_cifar10.py --root {self.data_prefix['root']}`"
                ' (offline copy) or let mmpretrain download the original: '
                "type='mmpretrain.CIFAR10', download=True.")
        return super().load_data_list()
