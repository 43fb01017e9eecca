from .connectors import ProjectionHead
from .generators import ConditionalBatchNorm2d, CPSCGenerator

__all__ = ['ConditionalBatchNorm2d', 'CPSCGenerator', 'ProjectionHead']
