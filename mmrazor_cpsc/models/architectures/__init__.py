from .connectors import ProjectionHead
from .generators import (ConditionalBatchNorm2d, CPSCGenerator,
                         LabelSamplingGenerator, OutChannelsGenerator)

__all__ = [
    'ConditionalBatchNorm2d', 'CPSCGenerator', 'LabelSamplingGenerator',
    'OutChannelsGenerator', 'ProjectionHead'
]
