"""Class-folder layout checks and full decoding of every image."""
import io

import numpy as np
import pytest
from PIL import Image

from mmrazor_cpsc.datasets.preparation import (LayoutError, check_images,
                                               load_image, read_layout)
from mmrazor_cpsc.datasets.preparation.image_folders import check_root


def save(path, mode='RGB', size=(8, 8)):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, 90).save(path)


def truncated_jpeg(path):
    """A JPEG cut in half: PIL reads its header, but not its pixels."""
    pixels = np.random.default_rng(0).integers(0, 256, (32, 32, 3),
                                               dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format='JPEG', quality=95)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue()[:len(buffer.getvalue()) // 2])


def refused(root):
    with pytest.raises(LayoutError) as error:
        read_layout(str(root))
    return str(error.value)


def test_layout_mistakes_are_named(tmp_path):
    assert 'has no train/ folder' in refused(tmp_path)
    save(tmp_path / 'train' / 'a' / '0.png')
    assert 'has no test/ (or val/) folder' in refused(tmp_path)
    save(tmp_path / 'test' / 'a' / '0.png')
    assert 'at least two' in refused(tmp_path)
    (tmp_path / 'train' / 'b').mkdir()
    assert 'holds no images' in refused(tmp_path)
    save(tmp_path / 'train' / 'b' / '0.png')
    assert "only in train: ['b']" in refused(tmp_path)
    save(tmp_path / 'test' / 'b' / '0.png')
    layout = read_layout(str(tmp_path))
    assert layout.test_split == 'test' and list(layout.train) == ['a', 'b']


def test_val_is_the_test_split_when_there_is_no_test(tmp_path):
    for split in ('train', 'val'):
        for name in ('x', 'y'):
            save(tmp_path / split / name / '0.png')
    assert read_layout(str(tmp_path)).test_split == 'val'


def test_a_missing_or_moved_root_names_the_fix(tmp_path):
    with pytest.raises(LayoutError) as error:
        check_root(str(tmp_path / 'moved'), 'moved')
    message = str(error.value)
    assert 'does not exist' in message and "('moved' from" in message
    assert 'give its new place' in message and '\n' not in message
    (tmp_path / 'file').write_text('x')
    with pytest.raises(LayoutError, match='is a file, not a folder'):
        check_root(str(tmp_path / 'file'))


def test_truncated_and_foreign_files_fail_at_decoding(tmp_path):
    good, cut, text = (tmp_path / 'good.png', tmp_path / 'cut.jpg',
                       tmp_path / 'text.png')
    save(good)
    truncated_jpeg(cut)
    text.write_text('not an image')
    check_images([str(good)])
    # The header of the cut JPEG reads: only decoding in full finds it.
    assert load_image(str(cut), decode=False).size == (32, 32)
    for path, reason in ((cut, 'truncated'), (text, 'cannot identify')):
        with pytest.raises(LayoutError) as error:
            check_images([str(good), str(path)])
        message = str(error.value)
        assert message.startswith(f'{path} cannot be decoded')
        assert reason in message and 'replace or delete' in message
        assert '\n' not in message
