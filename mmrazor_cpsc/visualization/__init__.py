from .synthetic_grid import class_rows, denormalize, normalize

__all__ = ['class_rows', 'denormalize', 'normalize']
