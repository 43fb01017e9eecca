"""The deploy config of a student: mmpretrain's own
ImageClassificationInferencer, given an image FILE, classifies it exactly
as the distillation config's test pipeline does, with the dataset's class
names, for in-memory datasets (MNIST grey, CIFAR-10 RGB) and for datasets
made by prepare_dataset (grey IDX files, RGB image folders)."""
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch
from conftest import MNIST_CONFIG, REPO, write_idx
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.runner import load_checkpoint
from mmpretrain.registry import DATASETS
from mmpretrain.registry import MODELS as PRETRAIN_MODELS
from mmpretrain.registry import TRANSFORMS
from PIL import Image

from mmrazor_cpsc.deployment import (dataset_class_names, export_student,
                                     inferencer_pipeline,
                                     student_deploy_config)
from mmrazor_cpsc.utils.config_checks import ConfigError

CIFAR_CONFIG = osp.join(REPO, 'configs', 'cpsc',
                        'cpsc_wrn16-2_wrn16-1_cifar10.py')


def student_checkpoint(cfg, folder):
    """The student of ``cfg`` with random weights (BN statistics made
    non-trivial) saved as the algorithm saves it, then exported:
    the exported checkpoint's path."""
    torch.manual_seed(0)
    student = PRETRAIN_MODELS.build(cfg.model.architecture)
    for module in student.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
    src, dst = osp.join(folder, 'iter_3.pth'), osp.join(folder, 'student.pth')
    torch.save({'state_dict': {f'architecture.{k}': v for k, v in
                               student.state_dict().items()},
                'meta': {'iter': 3}}, src)
    export_student(src, dst,
                   dataset_meta=dict(classes=dataset_class_names(cfg)))
    return dst


def pipeline_scores(cfg, checkpoint, results):
    """Class scores of the student of ``cfg`` for one sample of its test
    pipeline (``results`` as the dataset hands it to the pipeline), with
    the distillation config's data preprocessor."""
    student = PRETRAIN_MODELS.build(cfg.model.architecture).eval()
    load_checkpoint(student, checkpoint, map_location='cpu')
    preprocessor = PRETRAIN_MODELS.build(cfg.model.data_preprocessor)
    dataset = cfg.test_dataloader.dataset
    while 'pipeline' not in dataset:
        dataset = dataset.dataset
    pipeline = Compose([TRANSFORMS.build(t) for t in dataset.pipeline])
    batch = preprocessor(pseudo_collate([pipeline(results)]), False)
    with torch.no_grad():
        return student(batch['inputs'], mode='tensor').softmax(-1)[0].numpy()


def inferencer_scores(deploy, checkpoint, image_file, folder):
    """(scores, class name, classes) of mmpretrain's inferencer on the
    dumped deploy config and an image file."""
    from mmpretrain.apis import ImageClassificationInferencer
    path = osp.join(folder, 'student_config.py')
    deploy.dump(path)
    inferencer = ImageClassificationInferencer(path, pretrained=checkpoint)
    [prediction] = inferencer(image_file)
    return (np.asarray(prediction['pred_scores']), prediction['pred_class'],
            list(inferencer.classes))


@pytest.mark.parametrize('config,shape', [(MNIST_CONFIG, (28, 28)),
                                          (CIFAR_CONFIG, (32, 32, 3))],
                         ids=['mnist-grey', 'cifar10-rgb'])
def test_in_memory_dataset_student_classifies_an_image_file(
        tmp_path, config, shape):
    cfg = Config.fromfile(config)
    checkpoint = student_checkpoint(cfg, tmp_path)
    # mmpretrain's MNIST / CIFAR10 hand the pipeline in-memory arrays (grey,
    # or RGB); the same pixels as a PNG file.
    img = np.random.default_rng(1).integers(0, 256, shape).astype(np.uint8)
    Image.fromarray(img).save(tmp_path / 'x.png')
    scores, name, classes = inferencer_scores(
        student_deploy_config(cfg), checkpoint, str(tmp_path / 'x.png'),
        tmp_path)
    expected = pipeline_scores(cfg, checkpoint, dict(
        img=img, img_shape=img.shape[:2], ori_shape=img.shape[:2]))
    np.testing.assert_allclose(scores, expected, atol=1e-5)
    assert classes == dataset_class_names(cfg) and len(classes) == 10
    assert name == classes[int(expected.argmax())]


def write_idx_dataset(root, classes=3, per_class=6, size=16):
    """Grey IDX files (train and t10k) of ``classes`` labels."""
    rng = np.random.default_rng(0)
    os.makedirs(root)
    for prefix, count in (('train', per_class), ('t10k', 2)):
        labels = np.arange(classes * count) % classes
        images = rng.integers(0, 256, (len(labels), size, size))
        write_idx(osp.join(root, f'{prefix}-images-idx3-ubyte'), images)
        write_idx(osp.join(root, f'{prefix}-labels-idx1-ubyte'), labels)


def write_rgb_folders(root, classes=('cat', 'dog', 'owl'), size=20):
    """``root/{train,test}/<class>/*.png`` and a JPEG, RGB."""
    rng = np.random.default_rng(0)
    for split, count in (('train', 4), ('test', 2)):
        for cls in classes:
            os.makedirs(osp.join(root, split, cls))
            for k in range(count):
                pixels = rng.integers(0, 256, (size, size, 3), np.uint8)
                suffix = 'jpg' if k == 0 else 'png'
                Image.fromarray(pixels).save(
                    osp.join(root, split, cls, f'{k}.{suffix}'))


def prepare(root, out, name):
    """tools/prepare_dataset.py on ``root``: the written CPSC config."""
    result = subprocess.run(
        [sys.executable, 'tools/prepare_dataset.py', root, '--name', name,
         '--out', out, '--image-size', '16', '--held-out-per-class', '1',
         '--teacher-epochs', '2'],
        cwd=REPO, capture_output=True, text=True, timeout=600,
        env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    return osp.join(out, f'{name}_cpsc.py')


@pytest.mark.parametrize('kind', ['grey-idx', 'rgb-folders'])
def test_own_dataset_student_classifies_an_image_file(tmp_path, kind):
    root = os.fspath(tmp_path / 'data')
    if kind == 'grey-idx':
        write_idx_dataset(root)
    else:
        write_rgb_folders(root)
    cfg = Config.fromfile(prepare(root, os.fspath(tmp_path / 'configs'),
                                  'own'))
    checkpoint = student_checkpoint(cfg, tmp_path)
    # The first test image, as a file, and as the config's test set gives it.
    dataset = DATASETS.build(dict(cfg.test_dataloader.dataset,
                                  pipeline=[], lazy_init=False))
    item = dataset.get_data_info(0)
    scores, name, classes = inferencer_scores(
        student_deploy_config(cfg), checkpoint, item['img_path'], tmp_path)
    expected = pipeline_scores(cfg, checkpoint, dict(item))
    np.testing.assert_allclose(scores, expected, atol=1e-5)
    assert classes == list(dataset.metainfo['classes'])
    assert classes == (['0', '1', '2'] if kind == 'grey-idx' else
                       ['cat', 'dog', 'owl'])
    assert name == classes[int(expected.argmax())]


def test_inferencer_pipeline_loads_once_and_converts_to_grey():
    # What prepare_dataset writes: mmpretrain-scoped names, which the
    # inferencer does not recognise as the loading step.
    written = [dict(type='mmpretrain.LoadImageFromFile',
                    color_type='grayscale'),
               dict(type='mmpretrain.Resize', scale=(16, 16)),
               dict(type='mmpretrain.PackInputs')]
    preprocessor = dict(mean=[1.0], std=[2.0])
    got = inferencer_pipeline(written, 1, preprocessor)
    assert [t['type'] for t in got] == [
        'LoadImageFromFile', 'ToGrayscale', 'mmpretrain.Resize',
        'mmpretrain.PackInputs']
    assert got[0] == dict(type='LoadImageFromFile')
    assert preprocessor == dict(mean=[1.0], std=[2.0])
    assert written[0]['type'] == 'mmpretrain.LoadImageFromFile'  # a copy
    # An RGB file pipeline: BGR files already, no flip added.
    rgb = inferencer_pipeline([dict(written[0], color_type='color')], 3,
                              preprocessor)
    assert rgb == [dict(type='LoadImageFromFile')] and 'to_rgb' not in \
        preprocessor
    # An in-memory RGB dataset: files are BGR, so the preprocessor flips.
    assert inferencer_pipeline([dict(type='PackInputs')], 3, preprocessor
                               )[0] == dict(type='LoadImageFromFile')
    assert preprocessor['to_rgb'] is True


def test_inferencer_pipeline_refuses_two_loads():
    load = dict(type='LoadImageFromFile')
    with pytest.raises(ConfigError, match='loads the image 2 times'):
        inferencer_pipeline([load, dict(load, type='mmcv.LoadImageFromFile')],
                            3, {})
