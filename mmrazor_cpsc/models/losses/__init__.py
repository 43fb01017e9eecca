from .bn_statistics import BNStatisticsLoss
from .conditional_cross_entropy import ConditionalCrossEntropyLoss
from .intra_class_diversity import IntraClassDiversityLoss
from .logit_distance import LogitDistanceLoss
from .pseudo_supervised_contrast import PseudoSupervisedContrastLoss
from .total_variation import TotalVariationLoss

__all__ = [
    'BNStatisticsLoss', 'ConditionalCrossEntropyLoss',
    'IntraClassDiversityLoss', 'LogitDistanceLoss',
    'PseudoSupervisedContrastLoss', 'TotalVariationLoss'
]
