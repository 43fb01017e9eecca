"""CIFAR-10 images -> mmpretrain's python batches: what its CIFAR10 code
reads, pixel for pixel; what is wrong is named."""
import os
import os.path as osp
import tarfile

import numpy as np
import pytest
from conftest import CIFAR10_CLASSES, write_cifar_like_folder

from mmrazor_cpsc.datasets import LocalCIFAR10
from mmrazor_cpsc.datasets.preparation import LayoutError, prepare_cifar10
from mmrazor_cpsc.datasets.preparation.cifar10 import (BASE_FOLDER,
                                                       existing_problems)


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
    stats = prepare_cifar10(path, root, any_size=True)
    assert sorted(os.listdir(osp.join(root, BASE_FOLDER))) == [
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
    pixels = np.stack([img for img, _ in written['train']]).reshape(-1, 3)
    np.testing.assert_allclose(stats['mean'], pixels.mean(0), atol=1e-3)
    assert existing_problems(root, any_size=True) == []
    assert 'expected 50000' in ' '.join(existing_problems(root))


def test_partial_set_refused_without_any_size(archive, tmp_path):
    path, _ = archive
    root = tmp_path / 'cifar10'
    with pytest.raises(LayoutError, match='expected 50000.*--allow-any-size'):
        prepare_cifar10(path, os.fspath(root))
    # Nothing half-written is left where the configs read.
    assert not (root / BASE_FOLDER).exists()


def test_missing_source_names_the_download(tmp_path):
    with pytest.raises(FileNotFoundError, match='not found.*download=True'):
        prepare_cifar10(os.fspath(tmp_path / 'nowhere.tar.gz'),
                        os.fspath(tmp_path / 'cifar10'))


def test_wrong_layout_and_unbalanced_classes_are_named(tmp_path):
    write_cifar_like_folder(os.fspath(tmp_path / 'images'),
                            {'training': 2}, classes=('cat', 'dog'))
    with pytest.raises(LayoutError, match='train/<class>/'):
        prepare_cifar10(os.fspath(tmp_path / 'images'),
                        os.fspath(tmp_path / 'a'))
    images = tmp_path / 'balanced'
    write_cifar_like_folder(os.fspath(images))
    os.remove(images / 'train' / 'cat' / '0000.png')
    with pytest.raises(LayoutError, match='per class'):
        prepare_cifar10(os.fspath(images), os.fspath(tmp_path / 'b'),
                        any_size=True)


def test_corrupt_inputs_are_named(tmp_path):
    not_a_tar = tmp_path / 'cifar.tar.gz'
    not_a_tar.write_bytes(b'not an archive')
    with pytest.raises(LayoutError, match='readable .tar'):
        prepare_cifar10(os.fspath(not_a_tar), os.fspath(tmp_path / 'a'))
    images = tmp_path / 'images'
    write_cifar_like_folder(os.fspath(images))
    (images / 'train' / 'cat' / '0001.png').write_bytes(b'garbage')
    with pytest.raises(LayoutError, match='0001.png is not a readable image'):
        prepare_cifar10(os.fspath(images), os.fspath(tmp_path / 'b'),
                        any_size=True)


def test_a_damaged_output_is_found_and_rebuilt(archive, tmp_path):
    path, _ = archive
    root = tmp_path / 'cifar10'
    prepare_cifar10(path, os.fspath(root), any_size=True)
    (root / BASE_FOLDER / 'data_batch_3').write_bytes(b'trunc')
    assert existing_problems(os.fspath(root), any_size=True)
    prepare_cifar10(path, os.fspath(root), any_size=True)
    assert len(LocalCIFAR10(data_root=os.fspath(root), split='train',
                            pipeline=[])) == 60


def test_local_cifar10_names_the_tool_when_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match='prepare_cifar10.py'):
        LocalCIFAR10(data_root=os.fspath(tmp_path), split='test')
