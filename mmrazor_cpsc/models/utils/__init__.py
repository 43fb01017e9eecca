from .batch_augments import RandomShift
from .label_sampling import LABEL_SAMPLING, sample_pseudo_labels

__all__ = ['LABEL_SAMPLING', 'RandomShift', 'sample_pseudo_labels']
