"""--resume picks the newest complete checkpoint, whatever a kill left behind."""
import os

import torch

from mmrazor_cpsc.utils.cli import find_resumable_checkpoint


def make_run(tmp_path, iters=(2, 4, 6)):
    for i in iters:
        torch.save({'meta': {'iter': i}, 'w': torch.randn(100)},
                   tmp_path / f'iter_{i}.pth')
    return os.fspath(tmp_path)


def point(work_dir, text):
    with open(os.path.join(work_dir, 'last_checkpoint'), 'w') as f:
        f.write(text)


def test_pointer_is_used_when_valid(tmp_path):
    work_dir = make_run(tmp_path)
    point(work_dir, os.path.join(work_dir, 'iter_4.pth'))
    assert find_resumable_checkpoint(work_dir).endswith('iter_4.pth')


def test_killed_during_save_falls_back_to_last_complete(tmp_path):
    work_dir = make_run(tmp_path)
    newest = tmp_path / 'iter_6.pth'
    newest.write_bytes(newest.read_bytes()[:300])  # the write was cut short
    point(work_dir, os.fspath(newest))
    assert find_resumable_checkpoint(work_dir).endswith('iter_4.pth')


def test_empty_or_dangling_pointer(tmp_path):
    work_dir = make_run(tmp_path)
    point(work_dir, '')  # killed while the pointer was being rewritten
    assert find_resumable_checkpoint(work_dir).endswith('iter_6.pth')
    point(work_dir, os.path.join(work_dir, 'iter_99.pth'))
    assert find_resumable_checkpoint(work_dir).endswith('iter_6.pth')


def test_nothing_to_resume(tmp_path):
    assert find_resumable_checkpoint(os.fspath(tmp_path)) is None
