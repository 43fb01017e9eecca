"""A distilled student as a deployable model: its weights as a plain
mmpretrain checkpoint with class names (:func:`export_student`), an
mmpretrain config under which ``ImageClassificationInferencer`` classifies
image files (:func:`student_deploy_config`), and an ONNX file checked
against PyTorch (:func:`export_onnx`). ``tools/convert_student_checkpoint.py``
is their command line."""
from .deploy_config import (dataset_class_names, image_size_of,
                            inferencer_pipeline, student_deploy_config)
from .onnx_export import PixelsToLogits, export_onnx
from .student_export import STUDENT_PREFIX, export_student

__all__ = [
    'STUDENT_PREFIX', 'PixelsToLogits', 'dataset_class_names',
    'export_onnx', 'export_student', 'image_size_of', 'inferencer_pipeline',
    'student_deploy_config'
]
