""".dev_scripts/profile_iteration.py splits an iteration into its parts."""
import pytest
from conftest import MNIST_CONFIG, load_script, save_random_teacher

profile = load_script('.dev_scripts', 'profile_iteration')


def test_parts_add_up_within_the_iteration(tmp_path, capsys):
    teacher = save_random_teacher(tmp_path / 'teacher.pth')
    rows = profile.main([
        MNIST_CONFIG, '--teacher-ckpt', str(teacher), '--iters', '2',
        '--warmup', '1', '--batch-size', '20', '--cfg-options',
        'model.student_steps=2', 'model.generator.hidden_channels=8'])
    for step in ('generator', 'student'):
        forwards = [rows[f'{step}: {n} forward'] for n in profile.NETWORKS]
        assert all(f > 0 for f in forwards), rows
        assert rows[f'{step}: losses, backward, update'] >= 0
        assert sum(forwards) <= rows[f'{step} step']
    assert rows['generator step'] + rows['student step'] <= rows['iteration']
    assert 'student: teacher forward' in capsys.readouterr().out


def test_bad_counts_are_refused():
    with pytest.raises(SystemExit):
        profile.main([MNIST_CONFIG, '--teacher-ckpt', 't.pth', '--iters', '0'])
