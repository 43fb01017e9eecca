"""tools/prepare_dataset.py and the README's "Your own dataset" commands:
class folders -> one dataset config -> teacher -> CPSC student -> test."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import REPO
from mmengine.config import Config
from PIL import Image

sys.path.insert(0, os.path.join(REPO, 'tools'))
import prepare_dataset  # noqa: E402


def write_folders(root, classes=('cats', 'dogs'), per_class=None, grey=False,
                  size=40, seed=0):
    """root/{train,test}/<class>/i.png with each class its own colour."""
    per_class = per_class or {'train': 12, 'test': 4}
    rng = np.random.default_rng(seed)
    for split, count in per_class.items():
        for c, name in enumerate(classes):
            folder = root / split / name
            folder.mkdir(parents=True)
            for i in range(count):
                img = rng.integers(0, 120, (size, size, 3)).astype(np.uint8)
                img[..., c % 3] += 100
                image = Image.fromarray(img)
                (image.convert('L') if grey else image).save(folder /
                                                             f'{i}.png')
    return root


def refused(argv):
    with pytest.raises(SystemExit) as exit_info:
        prepare_dataset.main(argv)
    return str(exit_info.value)


def test_layout_mistakes_are_named(tmp_path):
    assert 'has no train/ folder' in refused([str(tmp_path), '--name', 'x'])
    (tmp_path / 'train' / 'a').mkdir(parents=True)
    Image.new('RGB', (8, 8)).save(tmp_path / 'train' / 'a' / '0.png')
    assert 'has no test/ (or val/) folder' in refused(
        [str(tmp_path), '--name', 'x'])
    (tmp_path / 'test' / 'a').mkdir(parents=True)
    Image.new('RGB', (8, 8)).save(tmp_path / 'test' / 'a' / '0.png')
    assert 'at least two' in refused([str(tmp_path), '--name', 'x'])
    (tmp_path / 'train' / 'b').mkdir()
    assert 'holds no images' in refused([str(tmp_path), '--name', 'x'])
    Image.new('RGB', (8, 8)).save(tmp_path / 'train' / 'b' / '0.png')
    assert "only in train: ['b']" in refused([str(tmp_path), '--name', 'x'])


def test_statistics_channels_and_generated_configs(tmp_path):
    root = tmp_path / 'data'
    for name, value in (('dark', 50), ('light', 150)):
        for split in ('train', 'test'):
            (root / split / name).mkdir(parents=True)
            for i in range(3):
                Image.new('L', (10, 10), value).save(root / split / name /
                                                     f'{i}.png')
    out = tmp_path / 'cfg'
    prepare_dataset.main([str(root), '--name', 'shades', '--out', str(out),
                          '--image-size', '8'])
    dataset = Config.fromfile(str(out / 'shades_dataset.py'))
    # Grey images: one channel, read as grey; half 50, half 150.
    assert dataset.dataset_channels == 1
    assert dataset.dataset_preprocessor.mean == [100.0]
    assert dataset.dataset_preprocessor.std == [50.0]
    assert dataset.dataset_preprocessor.to_rgb is False
    assert dataset.dataset_classes == ['dark', 'light']
    assert dataset.dataset_held_out.per_class == 1
    cpsc = Config.fromfile(str(out / 'shades_cpsc.py'))
    assert cpsc.model.generator.out_channels == 1
    assert cpsc.model.generator.img_size == 8
    assert cpsc.model.architecture.head.num_classes == 2
    assert cpsc.model.teacher.backbone.in_channels == 1
    assert cpsc.test_dataloader.dataset.data_prefix == 'test'
    # The dataset is named in one file: the CIFAR-10 data is gone.
    assert 'cifar' not in json.dumps(cpsc.val_dataloader).lower()
    assert 'cifar' not in json.dumps(cpsc.test_dataloader).lower()


def test_readme_commands_from_folders_to_a_tested_student(tmp_path):
    data = write_folders(tmp_path / 'pets_images')
    work = tmp_path / 'my_project'  # anywhere but the repo
    work.mkdir()
    env = dict(os.environ, OMP_NUM_THREADS='1')

    def run(*args):
        result = subprocess.run([sys.executable, *args], cwd=work, env=env,
                                capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
        return result.stdout + result.stderr

    tools = os.path.join(REPO, 'tools')
    # The README's commands; only the budgets are shortened for the test.
    run(f'{tools}/prepare_dataset.py', str(data), '--name', 'pets',
        '--teacher-epochs', '2')
    run(f'{tools}/train.py', 'configs_pets/pets_teacher.py',
        '--cfg-options', 'train_dataloader.batch_size=8')
    run(f'{tools}/train.py', 'configs_pets/pets_cpsc.py', '--cfg-options',
        'train_cfg.max_iters=2', 'train_cfg.val_interval=2',
        'train_dataloader.batch_size=8')
    run(f'{tools}/test.py', 'configs_pets/pets_cpsc.py',
        'work_dirs/pets_cpsc/iter_2.pth', '--out-metrics', 'metrics.json',
        '--per-class')
    metrics = json.loads((work / 'metrics.json').read_text())
    assert metrics['classes'] == ['cats', 'dogs']
    assert len(metrics['single-label/recall_classwise']) == 2
    assert 0 <= metrics['accuracy/top1'] <= 100


def _write_idx_dataset(root, train=6, test=2, classes=3, gz=False):
    import gzip

    from conftest import write_idx
    rng = np.random.default_rng(0)
    root.mkdir()
    for prefix, per_class in (('train', train), ('t10k', test)):
        labels = np.arange(per_class * classes) % classes
        images = rng.integers(0, 60, (len(labels), 28, 28))
        images[:, :, :8] += 60 * labels[:, None, None]  # a class cue
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
def test_idx_files_become_class_folders_in_label_order(tmp_path, gz):
    root = _write_idx_dataset(tmp_path / 'idx', gz=gz)
    out = tmp_path / 'configs'
    prepare_dataset.main([str(root), '--name', 'digits', '--out', str(out),
                          '--class-names', 'zero,one,two'])
    folders = out / 'digits_images'
    assert sorted(os.listdir(folders / 'train')) == ['0_zero', '1_one',
                                                    '2_two']
    assert len(os.listdir(folders / 'train' / '1_one')) == 6
    assert len(os.listdir(folders / 'test' / '2_two')) == 2
    image = np.asarray(Image.open(folders / 'train' / '2_two' / '2.png'))
    assert image.shape == (28, 28) and image[:, :8].min() >= 120
    cfg = Config.fromfile(os.fspath(out / 'digits_dataset.py'))
    assert cfg.dataset_classes == ['0_zero', '1_one', '2_two']
    assert cfg.dataset_channels == 1  # grey
    # A second run reads the folders it wrote instead of converting again.
    prepare_dataset.main([str(root), '--name', 'digits', '--out', str(out)])


def test_idx_mistakes_are_named(tmp_path):
    root = _write_idx_dataset(tmp_path / 'idx')
    os.remove(root / 't10k-labels-idx1-ubyte')
    assert 'has no labels file beside it' in refused(
        [str(root), '--name', 'x', '--out', str(tmp_path / 'a')])
    os.remove(root / 't10k-images-idx3-ubyte')
    assert "IDX files for ['train'] only" in refused(
        [str(root), '--name', 'x', '--out', str(tmp_path / 'b')])
    root = _write_idx_dataset(tmp_path / 'idx2')
    assert '--class-names has 2 names' in refused(
        [str(root), '--name', 'x', '--out', str(tmp_path / 'c'),
         '--class-names', 'a,b'])
    folders = write_folders(tmp_path / 'folders')
    assert '--class-names is for IDX files' in refused(
        [str(folders), '--name', 'x', '--out', str(tmp_path / 'd'),
         '--class-names', 'a,b'])
