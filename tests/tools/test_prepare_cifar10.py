"""tools/prepare_cifar10.py on tiny generated archives and folders: the
output is what mmpretrain's CIFAR10 code reads, pixel for pixel."""
import os
import os.path as osp
import subprocess
import sys
import tarfile

import numpy as np
import pytest
from conftest import CIFAR10_CLASSES, REPO, write_cifar_like_folder

from mmrazor_cpsc.datasets import LocalCIFAR10


def run_tool(*args):
    result = subprocess.run(
        [sys.executable, 'tools/prepare_cifar10.py', *args], cwd=REPO,
        capture_output=True, text=True, timeout=300)
    return result.returncode, result.stdout + result.stderr


@pytest.fixture
def archive(tmp_path):
    written = write_cifar_like_folder(os.fspath(tmp_path / 'images'))
    path = tmp_path / 'cifar10-png.tar.gz'
    with tarfile.open(path, 'w:gz') as tar:
        for split in ('train', 'test'):
            tar.add(tmp_path / 'images' / split, arcname=split)
    return os.fspath(path), written


def _as_sorted(pairs):
    return sorted((label, img.tobytes()) for img, label in pairs)


def test_archive_becomes_mmpretrain_layout(archive, tmp_path):
    path, written = archive
    root = os.fspath(tmp_path / 'cifar10')
    code, out = run_tool('--source', path, '--root', root,
                         '--allow-any-size')
    assert code == 0, out
    assert sorted(os.listdir(osp.join(root, 'cifar-10-batches-py'))) == [
        'batches.meta', 'data_batch_1', 'data_batch_2', 'data_batch_3',
        'data_batch_4', 'data_batch_5', 'stats.json', 'test_batch']
    for split in ('train', 'test'):
        dataset = LocalCIFAR10(data_root=root, split=split, pipeline=[])
        assert tuple(dataset.metainfo['classes']) == CIFAR10_CLASSES
        got = [(dataset[i]['img'], dataset[i]['gt_label'])
               for i in range(len(dataset))]
        # Every image arrives with its label and exact pixels (PNG source).
        assert _as_sorted(got) == _as_sorted(written[split])
    train_labels = LocalCIFAR10(data_root=root, split='train',
                                pipeline=[]).get_gt_labels()
    # Mixed order, as the official batches: not class after class.
    assert (np.diff(train_labels) != 0).sum() > 20
    # mean/std printed for the config
    assert 'mean [' in out and 'std [' in out


def test_second_run_changes_nothing(archive, tmp_path):
    path, _ = archive
    root = os.fspath(tmp_path / 'cifar10')
    assert run_tool('--source', path, '--root', root, '--allow-any-size')[0] == 0
    batch = osp.join(root, 'cifar-10-batches-py', 'data_batch_1')
    before = os.stat(batch).st_mtime_ns
    code, out = run_tool('--source', path, '--root', root, '--allow-any-size')
    assert code == 0 and 'already in' in out
    assert os.stat(batch).st_mtime_ns == before


def test_partial_set_refused_without_allow_any_size(archive, tmp_path):
    path, _ = archive
    root = tmp_path / 'cifar10'
    code, out = run_tool('--source', path, '--root', os.fspath(root))
    assert code == 1
    assert 'expected 50000' in out and '--allow-any-size' in out
    # Nothing half-written is left where the configs read.
    assert not (root / 'cifar-10-batches-py').exists()


def test_missing_source_names_the_download(tmp_path):
    code, out = run_tool('--source', os.fspath(tmp_path / 'nowhere.tar.gz'),
                         '--root', os.fspath(tmp_path / 'cifar10'))
    assert code == 1
    assert 'not found' in out and 'download=True' in out
    assert 'Traceback' not in out


def test_wrong_layout_is_named(tmp_path):
    write_cifar_like_folder(os.fspath(tmp_path / 'images'),
                            {'training': 2}, classes=('cat', 'dog'))
    code, out = run_tool('--source', os.fspath(tmp_path / 'images'),
                         '--root', os.fspath(tmp_path / 'cifar10'))
    assert code == 1 and 'train/<class>/' in out
    assert 'Traceback' not in out


def test_unbalanced_classes_refused(tmp_path):
    images = tmp_path / 'images'
    write_cifar_like_folder(os.fspath(images))
    os.remove(images / 'train' / 'cat' / '0000.png')
    code, out = run_tool('--source', os.fspath(images), '--root',
                         os.fspath(tmp_path / 'cifar10'), '--allow-any-size')
    assert code == 1 and 'per class' in out


def test_local_cifar10_names_the_tool_when_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match='prepare_cifar10.py'):
        LocalCIFAR10(data_root=os.fspath(tmp_path), split='test')


def test_corrupt_inputs_are_named_not_traced(tmp_path):
    not_a_tar = tmp_path / 'cifar.tar.gz'
    not_a_tar.write_bytes(b'not an archive')
    code, out = run_tool('--source', os.fspath(not_a_tar), '--root',
                         os.fspath(tmp_path / 'a'))
    assert code == 1 and 'readable .tar' in out and 'Traceback' not in out
    images = tmp_path / 'images'
    write_cifar_like_folder(os.fspath(images))
    (images / 'train' / 'cat' / '0001.png').write_bytes(b'garbage')
    code, out = run_tool('--source', os.fspath(images), '--root',
                         os.fspath(tmp_path / 'b'), '--allow-any-size')
    assert code == 1 and '0001.png is not a readable image' in out
    assert 'Traceback' not in out


def test_a_damaged_output_is_rebuilt(archive, tmp_path):
    path, _ = archive
    root = tmp_path / 'cifar10'
    assert run_tool('--source', path, '--root', os.fspath(root),
                    '--allow-any-size')[0] == 0
    (root / 'cifar-10-batches-py' / 'data_batch_3').write_bytes(b'trunc')
    code, out = run_tool('--source', path, '--root', os.fspath(root),
                         '--allow-any-size')
    assert code == 0 and 'ready in' in out
    assert len(LocalCIFAR10(data_root=os.fspath(root), split='train',
                            pipeline=[])) == 60
