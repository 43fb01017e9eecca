from .adapters import LabelSamplingGenerator, OutChannelsGenerator
from .conditional_batch_norm import ConditionalBatchNorm2d
from .cpsc_generator import CPSCGenerator

__all__ = [
    'ConditionalBatchNorm2d', 'CPSCGenerator', 'LabelSamplingGenerator',
    'OutChannelsGenerator'
]
