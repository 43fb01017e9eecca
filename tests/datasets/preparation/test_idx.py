"""IDX files read with mmpretrain's reader, checked, and written out as
class folders in label order."""
import gzip
import os

import numpy as np
import pytest
from conftest import write_idx
from PIL import Image

from mmrazor_cpsc.datasets.preparation import (LayoutError, find_idx,
                                               idx_to_folders, read_idx)


def idx_dataset(root, train=4, test=2, classes=3, gz=False):
    """ROOT/{train,t10k}-{images,labels}-... with a class cue in pixels."""
    rng = np.random.default_rng(0)
    root.mkdir()
    for prefix, per_class in (('train', train), ('t10k', test)):
        labels = np.arange(per_class * classes) % classes
        images = rng.integers(0, 60, (len(labels), 6, 6))
        images[:, :, :2] += 60 * labels[:, None, None]
        for kind, array in (('images-idx3-ubyte', images),
                            ('labels-idx1-ubyte', labels)):
            path = os.fspath(root / f'{prefix}-{kind}')
            write_idx(path, array)
            if gz:
                with open(path, 'rb') as f, gzip.open(path + '.gz',
                                                      'wb') as out:
                    out.write(f.read())
                os.remove(path)
    return root


@pytest.mark.parametrize('gz', [False, True])
def test_read_idx_plain_and_gzipped(tmp_path, gz):
    root = idx_dataset(tmp_path / 'idx', gz=gz)
    suffix = '.gz' if gz else ''
    images = read_idx(root / f'train-images-idx3-ubyte{suffix}')
    labels = read_idx(root / f'train-labels-idx1-ubyte{suffix}')
    assert images.shape == (12, 6, 6) and images.dtype == np.uint8
    assert labels.tolist() == [0, 1, 2] * 4


def test_damaged_idx_files_are_named(tmp_path):
    path = tmp_path / 'x-images-idx3-ubyte'
    write_idx(os.fspath(path), np.zeros((3, 4, 4)))
    path.write_bytes(path.read_bytes()[:-5])
    with pytest.raises(LayoutError, match=r'header says \(3, 4, 4\), the '
                       'file holds 43 values'):
        read_idx(path)
    path.write_bytes(b'\x01\x02\x08\x01rest')
    with pytest.raises(LayoutError, match='bad magic number'):
        read_idx(path)
    path.write_bytes(b'\x00\x00\x0d\x01\x00\x00\x00\x00')
    with pytest.raises(LayoutError, match='type 0x0d'):
        read_idx(path)
    gz = tmp_path / 'y-images-idx3-ubyte.gz'
    gz.write_bytes(b'not gzip')
    with pytest.raises(LayoutError, match='cannot be read'):
        read_idx(gz)


def test_find_idx_mistakes_are_named(tmp_path):
    assert find_idx(os.fspath(tmp_path)) == {}
    root = idx_dataset(tmp_path / 'idx')
    os.remove(root / 't10k-labels-idx1-ubyte')
    with pytest.raises(LayoutError, match='has no labels file beside it'):
        find_idx(os.fspath(root))
    os.remove(root / 't10k-images-idx3-ubyte')
    with pytest.raises(LayoutError, match=r"IDX files for \['train'\] only"):
        find_idx(os.fspath(root))


def test_idx_to_folders_keeps_the_label_order(tmp_path):
    root = idx_dataset(tmp_path / 'idx')
    out = os.fspath(tmp_path / 'images')
    idx_to_folders(find_idx(os.fspath(root)), out, ['zero', 'one', 'two'])
    assert sorted(os.listdir(os.path.join(out, 'train'))) == [
        '0_zero', '1_one', '2_two']
    assert len(os.listdir(os.path.join(out, 'test', '2_two'))) == 2
    image = np.asarray(Image.open(os.path.join(out, 'train', '2_two',
                                               '2.png')))
    assert image.shape == (6, 6) and image[:, :2].min() >= 120
    assert not os.path.exists(out + '.partial')
    with pytest.raises(LayoutError, match='--class-names has 2 names'):
        idx_to_folders(find_idx(os.fspath(root)), out + '2', ['a', 'b'])


def test_images_and_labels_of_different_counts_are_named(tmp_path):
    root = idx_dataset(tmp_path / 'idx')
    write_idx(os.fspath(root / 'train-labels-idx1-ubyte'), np.arange(11) % 3)
    with pytest.raises(LayoutError, match=r'need N x H x W images and N '
                       r'labels, got \(12, 6, 6\) and \(11,\)'):
        idx_to_folders(find_idx(os.fspath(root)), os.fspath(tmp_path / 'o'),
                       [])
