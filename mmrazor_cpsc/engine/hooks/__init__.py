from .cpu_memory_reuse_hook import CPUMemoryReuseHook
from .metric_timeline_hook import MetricTimelineHook
from .random_state_hook import RandomStateHook
from .synthetic_grid_hook import SyntheticGridHook

__all__ = [
    'CPUMemoryReuseHook', 'MetricTimelineHook', 'RandomStateHook',
    'SyntheticGridHook'
]
