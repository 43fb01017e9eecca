from .hooks import MetricTimelineHook, RandomStateHook, SyntheticGridHook

__all__ = ['MetricTimelineHook', 'RandomStateHook', 'SyntheticGridHook']
