"""The ONNX file of a student takes raw pixels (0-255, RGB or grey) and
gives the logits PyTorch gives: onnxruntime on the pixels the deploy
pipeline makes of an image file reproduces mmpretrain's inferencer."""
import json
import os.path as osp

import mmcv
import numpy as np
import pytest
import torch
from conftest import MNIST_CONFIG, REPO
from mmengine.config import Config
from mmengine.dataset import Compose
from mmpretrain.registry import TRANSFORMS
from PIL import Image
from test_deploy_config import inferencer_scores, student_checkpoint

from mmrazor_cpsc.deployment import (export_onnx, image_size_of,
                                     student_deploy_config)
from mmrazor_cpsc.utils.config_checks import ConfigError

CIFAR_CONFIG = osp.join(REPO, 'configs', 'cpsc',
                        'cpsc_wrn16-2_wrn16-1_cifar10.py')


def onnx_input(deploy, image_file):
    """What the ONNX file is given for an image file: the deploy pipeline's
    pixels (after its resize), RGB order, float, 1 x C x H x W."""
    steps = [TRANSFORMS.build(t) for t in
             deploy.test_dataloader.dataset.pipeline
             if t['type'] != 'LoadImageFromFile']
    img = mmcv.imread(image_file)  # what the inferencer reads: BGR
    packed = Compose(steps)(dict(img=img, img_shape=img.shape[:2],
                                 ori_shape=img.shape[:2]))['inputs']
    if packed.shape[0] == 3:
        packed = packed.flip(0)
    return packed[None].float().numpy()


@pytest.mark.parametrize('config,shape', [(MNIST_CONFIG, (28, 28)),
                                          (CIFAR_CONFIG, (32, 32, 3))],
                         ids=['mnist-grey', 'cifar10-rgb'])
def test_onnx_file_gives_the_inferencer_scores(tmp_path, config, shape):
    import onnxruntime
    cfg = Config.fromfile(config)
    checkpoint = student_checkpoint(cfg, tmp_path)
    deploy = student_deploy_config(cfg)
    out = str(tmp_path / 'student.onnx')
    record = export_onnx(deploy, checkpoint, out, image_size_of(cfg))
    assert record == json.loads(open(out + '.json').read())
    assert record['max_abs_diff_vs_pytorch'] <= 1e-4
    assert record['classes'] == list(deploy.dataset_meta['classes'])
    channels = 1 if len(shape) == 2 else 3
    assert record['input']['shape'] == ['batch', channels, 32, 32]

    img = np.random.default_rng(1).integers(0, 256, shape).astype(np.uint8)
    Image.fromarray(img).save(tmp_path / 'x.png')
    expected, _, _ = inferencer_scores(deploy, checkpoint,
                                       str(tmp_path / 'x.png'), tmp_path)
    session = onnxruntime.InferenceSession(out)
    logits = session.run(['logits'],
                         {'pixels': onnx_input(deploy, tmp_path / 'x.png')})
    scores = torch.tensor(logits[0]).softmax(-1)[0].numpy()
    np.testing.assert_allclose(scores, expected, atol=1e-5)
    # Dynamic batch: two images at once.
    pair = np.repeat(onnx_input(deploy, tmp_path / 'x.png'), 2, axis=0)
    assert session.run(['logits'], {'pixels': pair})[0].shape == (2, 10)


def test_image_size_needs_a_generator_or_a_default():
    cfg = Config(dict(model=dict(generator=dict(img_size=24))))
    assert image_size_of(cfg) == 24
    assert image_size_of(Config(dict(model=dict())), 40) == 40
    with pytest.raises(ConfigError, match='pass --image-size'):
        image_size_of(Config(dict(model=dict())))
