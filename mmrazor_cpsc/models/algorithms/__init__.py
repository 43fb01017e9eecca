from .cpsc_data_free_distillation import CPSCDataFreeDistillation

__all__ = ['CPSCDataFreeDistillation']
