from .batch_augments import RandomShift

__all__ = ['RandomShift']
