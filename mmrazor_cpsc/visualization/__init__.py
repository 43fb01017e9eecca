from .synthetic_grid import class_rows, denormalize

__all__ = ['class_rows', 'denormalize']
