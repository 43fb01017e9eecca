from .hooks import (AutocastModulesHook, ChannelsLastHook, CPUMemoryReuseHook,
                    MetricTimelineHook, RandomStateHook, SyntheticGridHook)
from .optimizers import CPUAutocastOptimWrapper

__all__ = [
    'AutocastModulesHook', 'ChannelsLastHook', 'CPUAutocastOptimWrapper',
    'CPUMemoryReuseHook', 'MetricTimelineHook', 'RandomStateHook',
    'SyntheticGridHook'
]
