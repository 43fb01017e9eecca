from .data_free_dataset import DataFreeDataset
from .generator_dataset import GeneratorDataset
from .held_out_split import HeldOutSplit
from .local_cifar import LocalCIFAR10
from .transforms import ToGrayscale

__all__ = ['DataFreeDataset', 'GeneratorDataset', 'HeldOutSplit',
           'LocalCIFAR10', 'ToGrayscale']
