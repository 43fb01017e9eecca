"""export_student: the student's weights of a distillation checkpoint as a
plain mmpretrain checkpoint, class names included; anything else refused
with one line that names the fix."""
import os

import pytest
import torch

from mmrazor_cpsc.deployment import export_student
from mmrazor_cpsc.utils.config_checks import ConfigError


def test_student_weights_and_meta_are_written(tmp_path):
    src, dst = tmp_path / 'iter_5.pth', tmp_path / 'out' / 'student.pth'
    weight = torch.randn(3, 2)
    torch.save({'state_dict': {'architecture.head.fc.weight': weight,
                               'teacher.head.fc.weight': torch.zeros(3, 2),
                               'generator.fc.bias': torch.zeros(4)},
                'meta': {'iter': 5, 'seed': 1}}, src)
    student = export_student(os.fspath(src), os.fspath(dst),
                             dataset_meta=dict(classes=['a', 'b', 'c']))
    assert list(student) == ['head.fc.weight']
    saved = torch.load(dst, weights_only=True)
    assert list(saved['state_dict']) == ['head.fc.weight']
    assert torch.equal(saved['state_dict']['head.fc.weight'], weight)
    assert saved['meta']['iter'] == 5 and 'seed' not in saved['meta']
    assert saved['meta']['dataset_meta'] == {'classes': ['a', 'b', 'c']}
    assert saved['meta']['source_checkpoint'] == os.fspath(src)
    # Another layout: its own prefix.
    other = export_student(os.fspath(src), os.fspath(dst), prefix='teacher.')
    assert torch.equal(other['head.fc.weight'], torch.zeros(3, 2))


def test_a_classifier_checkpoint_is_refused_with_its_keys(tmp_path):
    src = tmp_path / 'teacher.pth'
    torch.save({'backbone.conv.weight': torch.zeros(1)}, src)
    with pytest.raises(ConfigError, match=r"no weights under 'architecture"
                       r"\.'.*\['backbone'\].*--prefix"):
        export_student(os.fspath(src), os.fspath(tmp_path / 'x.pth'))
    with pytest.raises(ConfigError, match='does not exist'):
        export_student(os.fspath(tmp_path / 'missing.pth'),
                       os.fspath(tmp_path / 'x.pth'))
