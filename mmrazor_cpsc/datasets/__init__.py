from .data_free_dataset import DataFreeDataset
from .generator_dataset import GeneratorDataset

__all__ = ['DataFreeDataset', 'GeneratorDataset']
