"""A distilled student leaves as a deployable model:
tools/convert_student_checkpoint.py --config ... --onnx ... gives a
checkpoint with class names, an mmpretrain config under which mmpretrain's
own ImageClassificationInferencer classifies an image file exactly as the
test pipeline classifies the same pixels in memory, and an ONNX file that
onnxruntime runs with PyTorch's outputs."""
import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch
from conftest import MNIST_CONFIG, REPO
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmpretrain.registry import MODELS as PRETRAIN_MODELS
from mmpretrain.registry import TRANSFORMS
from PIL import Image

CIFAR_CONFIG = osp.join(REPO, 'configs', 'cpsc',
                        'cpsc_wrn16-2_wrn16-1_cifar10.py')


def _distillation_checkpoint(config, path):
    """A checkpoint as the algorithm saves it: the student under
    ``architecture.`` (random weights, BN statistics made non-trivial)."""
    cfg = Config.fromfile(config)
    torch.manual_seed(0)
    student = PRETRAIN_MODELS.build(cfg.model.architecture)
    for module in student.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
    torch.save({'state_dict': {f'architecture.{k}': v for k, v in
                               student.state_dict().items()},
                'meta': {'iter': 3}}, path)


def _scores_in_memory(config, checkpoint, img):
    """Class scores of the student for an in-memory image, through the
    distillation config's own test pipeline and data preprocessor."""
    from mmengine.runner import load_checkpoint
    cfg = Config.fromfile(config)
    student = PRETRAIN_MODELS.build(cfg.model.architecture).eval()
    load_checkpoint(student, checkpoint, map_location='cpu')
    preprocessor = PRETRAIN_MODELS.build(cfg.model.data_preprocessor)
    pipeline = Compose([TRANSFORMS.build(t) for t in
                        cfg.test_dataloader.dataset.pipeline])
    batch = preprocessor(pseudo_collate([pipeline(dict(
        img=img, img_shape=img.shape[:2], ori_shape=img.shape[:2]))]), False)
    with torch.no_grad():
        return student(batch['inputs'], mode='tensor').softmax(-1)[0].numpy()


@pytest.mark.parametrize('config,shape', [(MNIST_CONFIG, (28, 28)),
                                          (CIFAR_CONFIG, (32, 32, 3))],
                         ids=['mnist-grey', 'cifar10-rgb'])
def test_student_classifies_an_image_file_and_exports_to_onnx(
        tmp_path, config, shape):
    from mmpretrain.apis import ImageClassificationInferencer
    src, dst = tmp_path / 'iter_3.pth', tmp_path / 'student.pth'
    _distillation_checkpoint(config, src)
    result = subprocess.run(
        [sys.executable, 'tools/convert_student_checkpoint.py', str(src),
         str(dst), '--config', config, '--onnx', str(tmp_path / 's.onnx')],
        cwd=REPO, capture_output=True, text=True, timeout=600,
        env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]

    # An image file (grey PNG for MNIST, RGB PNG for CIFAR).
    rng = np.random.default_rng(1)
    img = rng.integers(0, 256, shape).astype(np.uint8)
    Image.fromarray(img).save(tmp_path / 'x.png')
    inferencer = ImageClassificationInferencer(
        str(tmp_path / 'student_config.py'), pretrained=str(dst))
    [prediction] = inferencer(str(tmp_path / 'x.png'))
    classes = inferencer.classes
    assert len(classes) == 10
    expected = _scores_in_memory(config, str(dst), img)
    np.testing.assert_allclose(prediction['pred_scores'], expected,
                               atol=1e-5)
    assert prediction['pred_class'] == classes[int(expected.argmax())]

    record = json.loads((tmp_path / 's.onnx.json').read_text())
    assert record['max_abs_diff_vs_pytorch'] <= 1e-4
    assert record['classes'] == list(classes)
    assert record['input']['shape'][1] == (1 if len(shape) == 2 else 3)
    # The ONNX graph takes raw pixels: the same image gives the same class.
    import onnxruntime
    session = onnxruntime.InferenceSession(str(tmp_path / 's.onnx'))
    size = record['input']['shape'][2]
    resized = Image.fromarray(img).resize((size, size), Image.BILINEAR)
    pixels = np.asarray(resized, dtype=np.float32)
    pixels = pixels[None, None] if pixels.ndim == 2 else pixels.transpose(
        2, 0, 1)[None]
    logits = session.run(['logits'], {'pixels': pixels})[0]
    assert logits.shape == (1, 10) and np.isfinite(logits).all()
    if len(shape) == 3:  # no resize for CIFAR: exactly the same input
        np.testing.assert_allclose(
            torch.tensor(logits).softmax(-1)[0].numpy(), expected, atol=1e-4)
