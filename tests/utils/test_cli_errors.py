"""Errors the tools raise on purpose end in one line naming the fix: the
mistakes a user makes with configs, checkpoints and data, through the real
tools/train.py and tools/test.py and in-process."""
import os
import os.path as osp

import pytest
import torch
from conftest import (REPO, TEACHER_CONFIG, build_algorithm,
                      mnist_val_options, run_tool_here, run_train_tool,
                      save_random_teacher, small_mnist_cfg)
from mmengine.config import Config

from mmrazor_cpsc.utils import TeacherCheckpointError
from mmrazor_cpsc.utils.checkpoint import load_teacher_checkpoint
from mmrazor_cpsc.utils.cli import (TRACEBACK_ENV, check_data_roots,
                                    errors_as_messages)
from mmrazor_cpsc.utils.config_checks import (ConfigError,
                                              check_component_arguments)

MNIST_CPSC = osp.join(REPO, 'configs', 'cpsc',
                      'cpsc_lenet5bn_lenet5half_mnist.py')
CIFAR_CPSC = osp.join(REPO, 'configs', 'cpsc',
                      'cpsc_wrn16-2_wrn16-1_cifar10.py')
CIFAR_DFAD_HEAD_START = osp.join(REPO, 'configs', 'baselines', 'head_start',
                                 'dfad_wrn16-2_wrn16-1_cifar10.py')


def _mistakes(path, **options):
    cfg = Config.fromfile(path)
    cfg.merge_from_dict(options)
    with pytest.raises(ConfigError) as caught:
        check_component_arguments(cfg.to_dict())
    return str(caught.value)


def test_head_start_as_long_as_the_run_is_refused():
    message = _mistakes(CIFAR_CPSC, **{'train_cfg.max_iters': 20})
    assert 'model.student_start_iter=40' in message
    assert 'never be trained' in message and 'below 20' in message
    message = _mistakes(CIFAR_DFAD_HEAD_START, **{'train_cfg.max_iters': 40})
    assert 'GeneratorHeadStartHook' in message
    cfg = Config.fromfile(CIFAR_CPSC)
    cfg.merge_from_dict({'train_cfg.max_iters': 41})
    check_component_arguments(cfg.to_dict())  # one student step: allowed


def test_override_into_a_wrapped_dataset_names_the_key_that_works():
    message = _mistakes(MNIST_CPSC,
                        **{'val_dataloader.dataset.data_root': 'x'})
    assert 'HeldOutSplit wraps another dataset' in message
    assert 'val_dataloader.dataset.dataset.data_root' in message


def test_unknown_key_of_an_epoch_loop_without_a_type():
    message = _mistakes(TEACHER_CONFIG, **{'train_cfg.max_epoch': 2})
    assert "EpochBasedTrainLoop takes no argument 'max_epoch'" in message
    assert "did you mean 'max_epochs'" in message


def test_moved_data_root_is_named_with_its_key(tmp_path):
    cfg = Config.fromfile(MNIST_CPSC)
    cfg.merge_from_dict(
        {'val_dataloader.dataset.dataset.data_root': str(tmp_path / 'gone'),
         'test_dataloader.dataset.data_root': str(tmp_path)})
    with pytest.raises(ConfigError, match=r'val_dataloader\.dataset\.dataset'
                       r'\.data_root=.*gone.* is not a folder'):
        check_data_roots(cfg, ['val'])
    check_data_roots(cfg, ['test'])  # the test set did not move


def test_distillation_checkpoint_as_teacher_is_named(tmp_path):
    model, _ = build_algorithm(small_mnist_cfg())
    run = tmp_path / 'iter_10.pth'
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, run)
    with pytest.raises(TeacherCheckpointError,
                       match='whole distillation run.*convert_student'):
        load_teacher_checkpoint(model.teacher, str(run))


def test_deliberate_errors_become_one_line_and_bugs_keep_tracebacks(
        monkeypatch):
    with pytest.raises(SystemExit) as caught:
        with errors_as_messages('tool'):
            load_teacher_checkpoint(torch.nn.Linear(1, 1), 'missing.pth')
    assert str(caught.value).startswith("tool: Teacher checkpoint "
                                        "'missing.pth' does not exist")
    assert '\n' not in str(caught.value)
    with pytest.raises(ZeroDivisionError):  # a bug is not dressed up
        with errors_as_messages('tool'):
            1 / 0
    monkeypatch.setenv(TRACEBACK_ENV, '1')
    with pytest.raises(TeacherCheckpointError):
        with errors_as_messages('tool'):
            load_teacher_checkpoint(torch.nn.Linear(1, 1), 'missing.pth')


def test_train_tool_reports_a_bad_teacher_in_one_line(tmp_path,
                                                      fake_mnist_root):
    """The error is raised while the Runner builds the algorithm (and
    mmengine's registry re-raises it): the user still sees one line."""
    bad = tmp_path / 'teacher.pth'
    bad.write_bytes(b'not a checkpoint')
    log = run_train_tool(MNIST_CPSC, tmp_path / 'run', [
        f'model.teacher_ckpt={bad}', 'train_cfg.max_iters=2',
        *mnist_val_options(fake_mnist_root)], expect_ok=False)
    assert 'Traceback' not in log
    [line] = [x for x in log.splitlines() if x.startswith('tools/train.py:')]
    assert 'teacher checkpoint' in line and str(bad) in line
    assert TRACEBACK_ENV in line


def test_test_tool_names_classes_and_checks_normalisation(tmp_path,
                                                         fake_mnist_root):
    """--per-class prints each class's name with its accuracy; a checkpoint
    recorded with another normalisation is refused in one line."""
    import subprocess
    import sys
    ckpt = save_random_teacher(tmp_path / 'teacher.pth')
    state = torch.load(ckpt, weights_only=True)
    torch.save({'state_dict': state, 'meta': {'training_data': {
        'normalization': {'mean': [0.5], 'std': [0.5], 'to_rgb': False}}}},
        tmp_path / 'recorded.pth')
    data = [f'test_dataloader.dataset.data_root={fake_mnist_root}']

    def test_tool(checkpoint, *extra):
        return subprocess.run(
            [sys.executable, 'tools/test.py', TEACHER_CONFIG, checkpoint,
             '--work-dir', str(tmp_path / 'test'), *extra, '--cfg-options',
             *data], cwd=REPO, capture_output=True, text=True, timeout=600,
            env=dict(os.environ, OMP_NUM_THREADS='1'))

    result = test_tool(ckpt, '--per-class')
    assert result.returncode == 0, result.stderr[-3000:]
    import re
    rows = re.findall(r'^(\d - \w+)\s+(\d+\.\d\d)$', result.stdout, re.M)
    # mmpretrain's MNIST names, in class order, each with its accuracy.
    assert [name for name, _ in rows] == [
        '0 - zero', '1 - one', '2 - two', '3 - three', '4 - four',
        '5 - five', '6 - six', '7 - seven', '8 - eight', '9 - nine']
    assert all(0 <= float(recall) <= 100 for _, recall in rows)
    # The refusal through test.py's main() in this process: a one-line
    # exit (code 1, no traceback); the run above was the real process.
    refused = run_tool_here(
        'test', TEACHER_CONFIG, str(tmp_path / 'recorded.pth'), '--work-dir',
        str(tmp_path / 'test'), '--cfg-options', *data)
    assert isinstance(refused, str), refused
    assert 'was trained with mean [0.5]' in refused


def test_unreadable_image_at_test_time_is_one_line(tmp_path):
    """mmcv asserts on an image it cannot decode, from inside the data
    pipeline; the tools name the file and the fix."""
    from mmcv.transforms import LoadImageFromFile
    broken = tmp_path / '0001.png'
    broken.write_bytes(b'\x89PNG truncated')
    with pytest.raises(SystemExit) as caught:
        with errors_as_messages('tools/test.py'):
            LoadImageFromFile()(dict(img_path=str(broken)))
    message = str(caught.value)
    assert str(broken) in message and 'replace or delete it' in message
    assert '\n' not in message
