from .nearest_real import load_real_pixels, nearest_real_labels
from .synthetic_grid import class_rows, denormalize, normalize

__all__ = [
    'class_rows', 'denormalize', 'load_real_pixels', 'nearest_real_labels',
    'normalize'
]
