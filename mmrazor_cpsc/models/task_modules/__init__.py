from .recorder import BNStatisticsRecorder, GtLabelsRecorder

__all__ = ['BNStatisticsRecorder', 'GtLabelsRecorder']
