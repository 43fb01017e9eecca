from .random_shift import RandomShift

__all__ = ['RandomShift']
