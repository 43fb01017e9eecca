"""Which --cfg-options reach the teacher's and the real-data student's
configs, and a trained reference is never reused under other options."""
import json
import os

import pytest

from mmrazor_cpsc.benchmark.references import (applicable_options,
                                               as_arguments,
                                               reference_options)
from mmrazor_cpsc.benchmark.runs import train_classifier

TEACHER = 'configs/teachers/lenet5_bn_mnist.py'


def test_overrides_reach_a_reference_where_its_config_has_the_key(capsys):
    options = {
        # A teacher of other data: its normalisation (issue 31).
        'model.data_preprocessor.mean': [40.5],
        'model.data_preprocessor.std': [70.0],
        # Evaluation data, even as a key the config does not have yet.
        'test_dataloader.dataset.data_root': '/my/data',
        'val_dataloader.dataset.new_key': 1,
        # The methods' own keys: on a classifier they would break it.
        'model.student_steps': 2,
        'train_cfg.max_iters': 100,
        'optim_wrapper.architecture.optimizer.lr': 0.1,
    }
    applied, skipped = applicable_options(options, TEACHER)
    assert applied == {k: options[k] for k in (
        'model.data_preprocessor.mean', 'model.data_preprocessor.std',
        'test_dataloader.dataset.data_root', 'val_dataloader.dataset.new_key')}
    assert skipped == ['model.student_steps',
                       'optim_wrapper.architecture.optimizer.lr',
                       'train_cfg.max_iters']
    # List items by index, as --cfg-options writes them.
    assert applicable_options({'model.data_preprocessor.mean.0': 1.0,
                               'model.data_preprocessor.mean.3': 1.0},
                              TEACHER) == (
        {'model.data_preprocessor.mean.0': 1.0},
        ['model.data_preprocessor.mean.3'])
    assert as_arguments(applied)[0] == 'model.data_preprocessor.mean=[40.5]'
    # One warning line names what could not apply.
    record = reference_options(options, 'teacher', TEACHER)
    assert record['not_applied'] == skipped
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        'benchmark: warning: --cfg-options model.student_steps, optim_')
    reference_options({'model.data_preprocessor.mean': [1.0]}, 'teacher',
                      TEACHER)
    assert capsys.readouterr().out == ''


def test_a_reference_trained_with_other_options_is_not_reused(tmp_path):
    teacher = tmp_path / 'teacher'
    teacher.mkdir()
    (teacher / 'last_checkpoint').write_text(
        os.fspath(teacher / 'epoch_4.pth'))
    (teacher / 'finished').write_text(json.dumps(dict(
        status='training finished', cfg_options={'randomness.seed': 1})))
    with pytest.raises(SystemExit, match="trained with --cfg-options "
                       "{'randomness.seed': 1}, this benchmark gives it {}"):
        train_classifier(os.fspath(tmp_path), 'mnist', 'teacher')
    assert train_classifier(os.fspath(tmp_path), 'mnist', 'teacher', {
        'randomness.seed': 1}) == os.fspath(teacher / 'epoch_4.pth')
    # A marker from before options were recorded is kept as it was.
    (teacher / 'finished').write_text('training finished\n')
    assert train_classifier(os.fspath(tmp_path), 'mnist', 'teacher') == \
        os.fspath(teacher / 'epoch_4.pth')
