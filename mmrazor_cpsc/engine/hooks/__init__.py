from .channels_last_hook import ChannelsLastHook
from .cpu_memory_reuse_hook import CPUMemoryReuseHook
from .metric_timeline_hook import MetricTimelineHook
from .random_state_hook import RandomStateHook
from .synthetic_grid_hook import SyntheticGridHook

__all__ = [
    'ChannelsLastHook', 'CPUMemoryReuseHook', 'MetricTimelineHook',
    'RandomStateHook', 'SyntheticGridHook'
]
