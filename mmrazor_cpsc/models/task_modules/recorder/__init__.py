from .bn_statistics_recorder import BNStatisticsRecorder
from .gt_labels_recorder import GtLabelsRecorder

__all__ = ['BNStatisticsRecorder', 'GtLabelsRecorder']
