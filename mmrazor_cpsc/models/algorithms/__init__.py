from .cpsc_data_free_distillation import CPSCDataFreeDistillation
from .replay_data_free_distillation import ReplayDataFreeDistillation

__all__ = ['CPSCDataFreeDistillation', 'ReplayDataFreeDistillation']
