from .hooks import (ChannelsLastHook, CPUMemoryReuseHook, MetricTimelineHook,
                    RandomStateHook, SyntheticGridHook)
from .optimizers import CPUAutocastOptimWrapper

__all__ = [
    'ChannelsLastHook', 'CPUAutocastOptimWrapper', 'CPUMemoryReuseHook',
    'MetricTimelineHook', 'RandomStateHook', 'SyntheticGridHook'
]
