"""A newcomer's journey on their own data, as one test per kind of data
(RGB image folders, grey IDX files): the package installed from its wheel
into a fresh venv, every command run from a folder outside the checkout,
through mim as the README says:

    mim run mmrazor_cpsc prepare_dataset DATA --name NAME ...
    mim train mmrazor_cpsc configs_NAME/NAME_teacher.py
    mim train mmrazor_cpsc configs_NAME/NAME_cpsc.py
    mim test mmrazor_cpsc configs_NAME/NAME_cpsc.py --checkpoint ... \\
        --per-class
    mim run mmrazor_cpsc convert_student_checkpoint CKPT student.pth \\
        --config configs_NAME/NAME_cpsc.py --onnx student.onnx

then mmpretrain's ImageClassificationInferencer on an image file of the
test split: it names a class of the dataset and gives the scores of the
config's test pipeline and of the ONNX file. Tiny images (16 x 16, 3
classes), a 2-epoch teacher and 4 CPSC iterations: plumbing, not accuracy.
"""
import json
import os
import subprocess

import numpy as np
import pytest
from conftest import write_idx
from PIL import Image
from test_packaging import (build_sdist_and_wheel, imported_from, user_env,
                            venv_with_wheel)

CLASSES = ('cat', 'dog', 'owl')
# Short runs of the generated configs: a narrow generator, 4 iterations,
# the student starting at the second (student_start_iter must stay below
# max_iters), one checkpoint at the end. The same model options for test
# and convert, so that every run builds the same model.
MODEL_OPTIONS = ['model.student_start_iter=2', 'model.student_steps=1',
                 'model.generator.hidden_channels=8',
                 'model.generator.latent_dim=16']
CPSC_OPTIONS = MODEL_OPTIONS + [
    'train_cfg.max_iters=4', 'train_cfg.val_interval=4',
    'train_dataloader.batch_size=16', 'default_hooks.checkpoint.interval=4']

# Runs in the venv: the three ways of classifying one test image.
CHECK = '''
import json, sys
import numpy as np, onnxruntime, torch
import mmrazor_cpsc  # resolves the configs' mmrazor_cpsc:: bases
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.runner import load_checkpoint
from mmpretrain.apis import ImageClassificationInferencer
from mmpretrain.registry import DATASETS, MODELS

config, checkpoint, deploy, onnx_file, out = sys.argv[1:6]
cfg = Config.fromfile(config)
dataset = DATASETS.build(cfg.test_dataloader.dataset)
image = dataset.get_data_info(0)['img_path']
packed = dataset[0]  # the test pipeline: decoded, resized, C x H x W
student = MODELS.build(cfg.model.architecture).eval()
load_checkpoint(student, checkpoint, map_location='cpu')
preprocessor = MODELS.build(cfg.model.data_preprocessor)
with torch.no_grad():
    inputs = preprocessor(pseudo_collate([packed]), False)['inputs']
    test = student(inputs, mode='tensor').softmax(-1)[0].tolist()
inferencer = ImageClassificationInferencer(deploy, pretrained=checkpoint)
[prediction] = inferencer(image)
pixels = packed['inputs'].float()  # BGR for colour, as mmcv decodes
if pixels.shape[0] == 3:
    pixels = pixels.flip(0)  # the ONNX file takes RGB
logits = onnxruntime.InferenceSession(onnx_file).run(
    ['logits'], {'pixels': pixels[None].numpy()})[0]
json.dump(dict(
    image=image, dataset_classes=list(dataset.metainfo['classes']),
    classes=list(inferencer.classes), pred_class=prediction['pred_class'],
    inferencer=np.asarray(prediction['pred_scores']).tolist(), test=test,
    onnx=torch.tensor(logits).softmax(-1)[0].tolist()), open(out, 'w'))
'''


@pytest.fixture(scope='module')
def venv_python(tmp_path_factory):
    """The python of a fresh venv holding the package's built wheel."""
    root = tmp_path_factory.mktemp('journey_build')
    _, wheel = build_sdist_and_wheel(root)
    python, site = venv_with_wheel(wheel, root / 'venv')
    # The wheel's package, not the checkout's (the venv sees .venv's stack).
    assert imported_from(python, root).startswith(os.fspath(site))
    return python


def write_rgb_folders(root):
    """``root/{train,test}/<class>/``: 32 x 32 PNGs and one JPEG per class,
    each class with its own tint."""
    rng = np.random.default_rng(0)
    for split, count in (('train', 6), ('test', 2)):
        for label, name in enumerate(CLASSES):
            os.makedirs(root / split / name)
            for k in range(count):
                pixels = rng.integers(0, 60, (32, 32, 3))
                pixels[..., label] += 180
                Image.fromarray(pixels.astype(np.uint8)).save(
                    root / split / name / f'{k}.{"jpg" if k == 0 else "png"}')


def write_grey_idx(root):
    """MNIST-format files of 3 labels: train-* (18 images), t10k-* (6)."""
    rng = np.random.default_rng(0)
    root.mkdir()
    for prefix, count in (('train', 18), ('t10k', 6)):
        labels = np.arange(count) % 3
        images = rng.integers(0, 60, (count, 28, 28)) + 60 * labels[:, None,
                                                                    None]
        write_idx(os.fspath(root / f'{prefix}-images-idx3-ubyte'), images)
        write_idx(os.fspath(root / f'{prefix}-labels-idx1-ubyte'), labels)


@pytest.mark.parametrize('kind', ['rgb-folders', 'grey-idx'])
def test_own_data_from_prepare_to_inferencer(venv_python, tmp_path, kind):
    user = tmp_path / 'me'  # not the checkout, not the venv
    user.mkdir()
    env = user_env()

    def run(*command):
        result = subprocess.run(command, cwd=user, capture_output=True,
                                text=True, timeout=600, env=env)
        assert result.returncode == 0, (' '.join(command) + '\n' +
                                        result.stdout[-3000:] +
                                        result.stderr[-3000:])
        return result.stdout

    def mim(*args):
        return run(venv_python, '-m', 'mim', *args)

    if kind == 'rgb-folders':
        # mim finds the model index in the installed package's .mim.
        found = mim('search', 'mmrazor_cpsc')
        assert 'config id: cpsc_lenet5bn_lenet5half_mnist' in found
        assert 'config id: dafl_wrn16-2_wrn16-1_cifar10' in found
        write_rgb_folders(user / 'photos')
        data, extra, classes = 'photos', [], list(CLASSES)
    else:
        write_grey_idx(user / 'digits')
        data = 'digits'
        extra = ['--class-names', ','.join(CLASSES)]
        classes = [f'{i}_{name}' for i, name in enumerate(CLASSES)]

    out = mim('run', 'mmrazor_cpsc', 'prepare_dataset', data, '--name',
              'mine', '--image-size', '16', '--held-out-per-class', '1',
              '--teacher-epochs', '2', *extra)
    assert 'mim train mmrazor_cpsc configs_mine/mine_teacher.py' in out
    cpsc = 'configs_mine/mine_cpsc.py'
    mim('train', 'mmrazor_cpsc', 'configs_mine/mine_teacher.py')
    assert (user / 'configs_mine/work_dirs/mine_teacher/epoch_2.pth'
            ).is_file()
    mim('train', 'mmrazor_cpsc', cpsc, '--cfg-options', *CPSC_OPTIONS)
    ckpt = 'configs_mine/work_dirs/mine_cpsc/iter_4.pth'
    assert (user / ckpt).is_file()

    report = mim('test', 'mmrazor_cpsc', cpsc, '--checkpoint', ckpt,
                 '--per-class', '--cfg-options', *MODEL_OPTIONS)
    # One line per class: its name, then its recall (%).
    recall = {line.split()[0]: float(line.split()[1])
              for line in report.splitlines()
              if len(line.split()) == 2 and line.split()[0] in classes}
    assert sorted(recall) == classes, report[-2000:]
    assert all(0 <= value <= 100 for value in recall.values())

    converted = mim('run', 'mmrazor_cpsc', 'convert_student_checkpoint',
                    ckpt, 'student.pth', '--config', cpsc, '--onnx',
                    'student.onnx', '--cfg-options', *MODEL_OPTIONS)
    assert 'Wrote student.onnx' in converted
    record = json.loads((user / 'student.onnx.json').read_text())
    assert record['classes'] == classes
    assert record['input']['shape'] == [
        'batch', 3 if kind == 'rgb-folders' else 1, 16, 16]

    (user / 'check.py').write_text(CHECK)
    run(venv_python, 'check.py', cpsc, 'student.pth', 'student_config.py',
        'student.onnx', 'scores.json')
    scores = json.loads((user / 'scores.json').read_text())
    assert scores['image'].endswith('.jpg' if kind == 'rgb-folders' else
                                    '.png')
    assert scores['dataset_classes'] == classes == scores['classes']
    np.testing.assert_allclose(scores['inferencer'], scores['test'],
                               atol=1e-5)
    np.testing.assert_allclose(scores['onnx'], scores['test'], atol=1e-4)
    assert scores['pred_class'] == classes[int(np.argmax(scores['test']))]
