from .hooks import RandomStateHook, SyntheticGridHook

__all__ = ['RandomStateHook', 'SyntheticGridHook']
