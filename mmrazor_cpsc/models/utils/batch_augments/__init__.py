from .random_crop_flip import RandomCropFlip
from .random_shift import RandomShift

__all__ = ['RandomCropFlip', 'RandomShift']
