"""prepare_own_dataset: class folders or IDX files -> checked, decoded,
measured -> configs; every mistake one line naming the fix."""
import io
import os

import numpy as np
import pytest
from conftest import write_idx
from mmengine.config import Config
from PIL import Image

from mmrazor_cpsc.datasets.preparation import LayoutError, prepare_own_dataset


def folders(root, splits=('train', 'test'), per_class=3, grey=True):
    """ROOT/<split>/{dark,light}/i.png, grey 50 and 150 (or RGB)."""
    for split in splits:
        for name, value in (('dark', 50), ('light', 150)):
            (root / split / name).mkdir(parents=True)
            for i in range(per_class):
                Image.new('L' if grey else 'RGB', (10, 10),
                          value if grey else (value, ) * 3).save(
                              root / split / name / f'{i}.png')
    return root


def prepare(root, out, **kwargs):
    return prepare_own_dataset(os.fspath(root), 'shades', os.fspath(out),
                               image_size=8, log=lambda line: None, **kwargs)


def test_grey_folders_give_grey_configs(tmp_path):
    found = prepare(folders(tmp_path / 'data'), tmp_path / 'cfg')
    assert (found.channels, found.mean, found.std) == (1, [100.0], [50.0])
    assert (found.train_count, found.test_count, found.held_out) == (6, 6, 1)
    dataset = Config.fromfile(found.configs['dataset'])
    assert dataset.dataset_preprocessor.to_rgb is False
    assert dataset.dataset_classes == ['dark', 'light']
    assert dataset.dataset_train_pipeline[0].color_type == 'grayscale'
    cpsc = Config.fromfile(found.configs['cpsc'])
    assert cpsc.model.teacher.backbone.in_channels == 1
    assert cpsc.test_dataloader.dataset.data_prefix == 'test'
    assert 'cifar' not in str(cpsc.val_dataloader).lower()


def _cut_jpeg(path):
    pixels = np.random.default_rng(0).integers(0, 256, (16, 16, 3),
                                               dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format='JPEG')
    path.write_bytes(buffer.getvalue()[:200])


@pytest.mark.parametrize('split', ['train', 'test', 'val'])
def test_a_truncated_image_in_any_split_is_named(tmp_path, split):
    splits = ('train', split) if split != 'train' else ('train', 'test')
    root = folders(tmp_path / 'data', splits, grey=False)
    bad = root / split / 'light' / 'cut.jpg'
    _cut_jpeg(bad)
    with pytest.raises(LayoutError) as error:
        prepare(root, tmp_path / 'cfg')
    assert str(error.value).startswith(f'{bad} cannot be decoded')
    assert not (tmp_path / 'cfg').exists()  # nothing written


def test_options_and_roots_that_cannot_work(tmp_path):
    with pytest.raises(LayoutError, match='does not exist'):
        prepare(tmp_path / 'nowhere', tmp_path / 'cfg')
    root = folders(tmp_path / 'data')
    with pytest.raises(LayoutError, match='keep at least one to train on'):
        prepare(root, tmp_path / 'cfg', held_out_per_class=3)
    with pytest.raises(LayoutError, match='--class-names is for IDX files'):
        prepare(root, tmp_path / 'cfg', class_names=['a', 'b'])
    with pytest.raises(ValueError, match='multiple of 4'):
        prepare_own_dataset(os.fspath(root), 'x', os.fspath(tmp_path),
                            image_size=10)


def test_val_beside_test_is_said_to_be_unread(tmp_path):
    root = folders(tmp_path / 'data', ('train', 'test', 'val'))
    lines = []
    prepare_own_dataset(os.fspath(root), 'shades', os.fspath(tmp_path / 'c'),
                        image_size=8, log=lines.append)
    assert any('val is not read' in line for line in lines)


def test_idx_files_become_folders_once(tmp_path):
    root = tmp_path / 'idx'
    root.mkdir()
    for prefix, count in (('train', 9), ('t10k', 3)):
        write_idx(os.fspath(root / f'{prefix}-images-idx3-ubyte'),
                  np.full((count, 8, 8), 7))
        write_idx(os.fspath(root / f'{prefix}-labels-idx1-ubyte'),
                  np.arange(count) % 3)
    out, lines = tmp_path / 'cfg', []
    found = prepare_own_dataset(os.fspath(root), 'digits', os.fspath(out),
                                image_size=8, class_names=['a', 'b', 'c'],
                                log=lines.append)
    assert found.root == os.fspath(out / 'digits_images')
    assert found.classes == ['0_a', '1_b', '2_c'] and found.channels == 1
    assert 'written as class folders' in lines[0]
    again = prepare_own_dataset(os.fspath(root), 'digits', os.fspath(out),
                                image_size=8, log=lines.append)
    assert 'exists; reading it' in lines[1]
    assert again.classes == found.classes
