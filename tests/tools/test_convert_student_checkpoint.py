"""tools/convert_student_checkpoint.py as a command: it writes the student
checkpoint, its inferencer config and an ONNX file with its record, and a
wrong checkpoint ends in one line naming the fix, not a traceback. (What
the files hold: tests/deployment/.)"""
import json
import os
import subprocess
import sys

import torch
from conftest import MNIST_CONFIG, REPO, run_tool_here, save_random_teacher
from mmengine.config import Config
from mmpretrain.registry import MODELS as PRETRAIN_MODELS


def convert(*args):
    return subprocess.run(
        [sys.executable, 'tools/convert_student_checkpoint.py', *args],
        cwd=REPO, capture_output=True, text=True, timeout=600,
        env=dict(os.environ, OMP_NUM_THREADS='1'))


def test_writes_checkpoint_config_and_onnx(tmp_path):
    torch.manual_seed(0)
    student = PRETRAIN_MODELS.build(
        Config.fromfile(MNIST_CONFIG).model.architecture)
    src = tmp_path / 'iter_3.pth'
    torch.save({'state_dict': {f'architecture.{k}': v for k, v in
                               student.state_dict().items()}}, src)
    dst = tmp_path / 'student.pth'
    result = convert(str(src), str(dst), '--config', MNIST_CONFIG, '--onnx',
                     str(tmp_path / 's.onnx'))
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert f'to {dst} and its config to {tmp_path}/student_config.py' in \
        result.stdout
    assert 'onnxruntime vs PyTorch: max |diff|' in result.stdout
    record = json.loads((tmp_path / 's.onnx.json').read_text())
    classes = record['classes']
    assert len(classes) == 10
    saved = torch.load(dst, weights_only=True)
    assert saved['meta']['dataset_meta'] == {'classes': classes}
    assert Config.fromfile(tmp_path / 'student_config.py').dataset_meta == \
        {'classes': classes}


def test_a_teacher_checkpoint_is_one_line(tmp_path):
    teacher = save_random_teacher(tmp_path / 'teacher.pth')
    result = convert(teacher, str(tmp_path / 'student.pth'))
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith('tools/convert_student_checkpoint.py: ')
    assert "no weights under 'architecture.'" in line and '--prefix' in line
    assert 'Traceback' not in result.stderr
    # The same message path in this process (main() under the script's
    # errors_as_messages): a one-line exit, code 1, no traceback.
    message = run_tool_here('convert_student_checkpoint',
                            str(tmp_path / 'missing.pth'),
                            str(tmp_path / 'x.pth'))
    assert isinstance(message, str) and 'does not exist' in message
