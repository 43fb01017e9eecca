"""tools/tune.py's command line: bad arguments are named before anything
runs."""
import datetime
import os

import pytest
from conftest import REPO, load_script

SPACES = 'configs/tuning/cifar10_search_spaces.py'



tune = load_script('tools', 'tune')


def test_other_data_without_a_teacher_is_refused(capsys, tmp_path):
    with pytest.raises(SystemExit):
        tune.parse_args([os.path.join(REPO, 'configs', 'tuning',
                                      'cifar10_search_spaces.py'),
                         '--out', os.fspath(tmp_path), '--cfg-options',
                         'val_dataloader.dataset.data_root=/my/data'])
    err = capsys.readouterr().err
    assert "every trial trains the suite's own teacher" in err


@pytest.mark.parametrize('argv, message', [
    (['--trials', '0'], '--trials must be positive'),
    (['--import-trials', '/no/such.json'], 'no such file'),
    (['--teacher-ckpt', '/no/such.pth'], 'no such file'),
    (['--stop-by', '5pm'], "'5pm' is not a time of day as HH:MM"),
])
def test_bad_arguments_are_named(argv, message, capsys, tmp_path):
    with pytest.raises(SystemExit):
        tune.parse_args([SPACES, '--out', os.fspath(tmp_path), *argv])
    assert message in capsys.readouterr().err


def test_a_stop_time_just_passed_is_refused(capsys, tmp_path):
    just_passed = datetime.datetime.now() - datetime.timedelta(minutes=5)
    with pytest.raises(SystemExit):
        tune.parse_args([SPACES, '--out', os.fspath(tmp_path),
                         '--stop-by', f'{just_passed:%H:%M}'])
    assert 'it has passed today' in capsys.readouterr().err
