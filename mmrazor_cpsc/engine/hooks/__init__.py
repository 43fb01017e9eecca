from .autocast_modules_hook import AutocastModulesHook
from .channels_last_hook import ChannelsLastHook
from .collapse_guard_hook import CollapseGuardHook
from .compile_modules_hook import CompileModulesHook
from .cpu_memory_reuse_hook import CPUMemoryReuseHook
from .generator_head_start_hook import GeneratorHeadStartHook
from .loss_weight_schedule_hook import LossWeightScheduleHook
from .metric_timeline_hook import MetricTimelineHook
from .random_state_hook import RandomStateHook
from .synthetic_grid_hook import SyntheticGridHook
from .teacher_accuracy_hook import TeacherAccuracyHook
from .training_data_meta_hook import TrainingDataMetaHook

__all__ = [
    'AutocastModulesHook', 'ChannelsLastHook', 'CollapseGuardHook',
    'CompileModulesHook',
    'CPUMemoryReuseHook', 'GeneratorHeadStartHook',
    'LossWeightScheduleHook', 'MetricTimelineHook', 'RandomStateHook',
    'SyntheticGridHook', 'TeacherAccuracyHook', 'TrainingDataMetaHook'
]
