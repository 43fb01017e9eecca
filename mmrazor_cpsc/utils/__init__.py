from .checkpoint import (TeacherCheckpointError, load_state_dict_exactly,
                         load_teacher_checkpoint, read_state_dict,
                         sub_state_dict, weights_sha256)
from .config_checks import (check_component_arguments, check_config,
                            check_config_text)

__all__ = [
    'TeacherCheckpointError', 'load_state_dict_exactly',
    'load_teacher_checkpoint', 'read_state_dict', 'sub_state_dict',
    'weights_sha256', 'check_component_arguments', 'check_config',
    'check_config_text'
]
