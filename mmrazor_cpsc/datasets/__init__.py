from .data_free_dataset import DataFreeDataset

__all__ = ['DataFreeDataset']
