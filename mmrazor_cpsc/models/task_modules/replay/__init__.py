from .synthetic_replay_bank import (SyntheticReplayBank, concat_records,
                                    replay_into_records)

__all__ = ['SyntheticReplayBank', 'concat_records', 'replay_into_records']
