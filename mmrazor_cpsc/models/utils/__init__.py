from .batch_augments import RandomCropFlip, RandomShift
from .label_sampling import LABEL_SAMPLING, sample_pseudo_labels

__all__ = [
    'LABEL_SAMPLING', 'RandomCropFlip', 'RandomShift', 'sample_pseudo_labels'
]
