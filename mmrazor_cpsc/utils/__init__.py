from .checkpoint import (TeacherCheckpointError, load_state_dict_exactly,
                         load_teacher_checkpoint, read_state_dict,
                         sub_state_dict)

__all__ = [
    'TeacherCheckpointError', 'load_state_dict_exactly',
    'load_teacher_checkpoint', 'read_state_dict', 'sub_state_dict'
]
from .config_checks import check_config, check_config_text  # noqa: E402

__all__ += ['check_config', 'check_config_text']
from .student_export import export_student  # noqa: E402

__all__ += ['export_student']
