"""Dataset preparation: a user's class folders or IDX files into configs,
CIFAR-10 images into mmpretrain's python batches, MNIST's IDX files into
place. The command-line tools in tools/ are thin wrappers of these."""
from .cifar10 import prepare_cifar10
from .dataset_configs import next_commands, write_dataset_configs
from .errors import LayoutError
from .idx import find_idx, idx_to_folders, read_idx
from .image_folders import check_images, load_image, read_layout
from .mnist import fetch_mnist
from .own_dataset import PreparedDataset, check_options, prepare_own_dataset
from .statistics import image_statistics

__all__ = [
    'LayoutError', 'PreparedDataset', 'check_images', 'check_options',
    'fetch_mnist', 'find_idx', 'idx_to_folders', 'image_statistics',
    'load_image', 'next_commands', 'prepare_cifar10', 'prepare_own_dataset',
    'read_idx', 'read_layout', 'write_dataset_configs'
]
