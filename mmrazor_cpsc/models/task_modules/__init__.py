from .recorder import BNStatisticsRecorder, GtLabelsRecorder
from .replay import SyntheticReplayBank

__all__ = ['BNStatisticsRecorder', 'GtLabelsRecorder', 'SyntheticReplayBank']
