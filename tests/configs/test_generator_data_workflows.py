"""GeneratorDataset feeding MMRazor workflows other than distillation:
ItePruneAlgorithm pruning + fine-tuning of a CPSC student on generator images
(tools/train.py) and post-training quantization calibrated on generator images
(tools/ptq.py), on the real stack with MNIST-shaped data."""
import glob
import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch
from conftest import REPO, mnist_val_options, train_here
from mmengine.config import Config
from mmrazor.registry import DATASETS, MODELS

from mmrazor_cpsc.compat import safe_mmengine_checkpoint_loading

PRUNE_CONFIG = osp.join(
    REPO, 'configs', 'composition',
    'prune_finetune_generator_data_lenet5half_mnist.py')
PTQ_CONFIG = osp.join(REPO, 'configs', 'composition',
                      'ptq_generator_calibration_lenet5half_mnist.py')
BIAS_SHIFT = 3.0  # makes the checkpoint's student recognisable after training


@pytest.fixture
def cpsc_checkpoint(tmp_path):
    """A CPSC-style checkpoint: generator and student ('architecture.')."""
    cfg = Config.fromfile(PRUNE_CONFIG)
    torch.manual_seed(0)
    generator = MODELS.build(cfg.train_dataloader.dataset.generator)
    student_cfg = cfg.model.architecture.copy()
    student_cfg.pop('init_cfg')
    student = MODELS.build(student_cfg)
    with torch.no_grad():
        student.head.fc.bias += BIAS_SHIFT
    state = {f'generator.{k}': v for k, v in generator.state_dict().items()}
    state.update({f'architecture.{k}': v
                  for k, v in student.state_dict().items()})
    path = tmp_path / 'cpsc.pth'
    torch.save({'state_dict': state}, path)
    return os.fspath(path), student.state_dict()


def test_prune_finetune_on_generator_data(tmp_path, fake_mnist_root,
                                          cpsc_checkpoint):
    ckpt, student_state = cpsc_checkpoint
    teacher = MODELS.build(
        Config.fromfile(PRUNE_CONFIG).train_dataloader.dataset.teacher)
    teacher_ckpt = tmp_path / 'teacher.pth'
    torch.save(teacher.state_dict(), teacher_ckpt)
    work_dir = tmp_path / 'work'
    options = [
        f'train_dataloader.dataset.checkpoint={ckpt}',
        f'train_dataloader.dataset.teacher_ckpt={teacher_ckpt}',
        f'model.architecture.init_cfg.checkpoint={ckpt}',
        'train_dataloader.dataset.length=16', 'train_dataloader.batch_size=8',
        *mnist_val_options(fake_mnist_root),
        'val_dataloader.batch_size=20', 'train_cfg.max_epochs=2'
    ]
    log = train_here(PRUNE_CONFIG, work_dir, options)
    assert 'accuracy/top1' in log
    # Hard labels for fine-tuning come from the teacher.
    assert 'labelled 16 images with the teacher' in log
    # Two pruning steps (start of epoch 1 and 2 of 2 iterations each).
    assert log.count('The model is pruned at') == 2, log[-3000:]

    saved = work_dir / 'epoch_2.pth'
    assert saved.is_file()
    with safe_mmengine_checkpoint_loading():
        state = torch.load(saved, map_location='cpu',
                           weights_only=True)['state_dict']

    # The student came from the CPSC checkpoint, not from a fresh init.
    bias = state['architecture.head.fc.bias']
    assert torch.allclose(bias, student_state['head.fc.bias'], atol=0.5)

    # The channel masks reached the target: half of conv2, conv3 and the
    # penultimate fc kept, conv1 (no target) untouched. Units are in the
    # mutator's order: conv1, conv2, conv3, fc.
    masks = [state[f'mutator.units.{i}.mutable_channel.mask']
             for i in range(4)]
    assert all(set(m.unique().tolist()) <= {0.0, 1.0} for m in masks)
    assert [(int(m.sum()), m.numel()) for m in masks] == [(3, 3), (4, 8),
                                                          (30, 60), (21, 42)]
    assert all(torch.isfinite(v).all() for v in state.values()
               if v.is_floating_point())


def test_ptq_calibrated_on_generator_data(tmp_path, fake_mnist_root,
                                         cpsc_checkpoint):
    ckpt, student_state = cpsc_checkpoint
    # Narrow the generator's pixel range (its last, class-conditional BN:
    # scale 0.2, shift 1.0) so that observers that had seen the full-range
    # MNIST-shaped evaluation images would show it.
    checkpoint = torch.load(ckpt, map_location='cpu', weights_only=True)
    checkpoint['state_dict']['generator.norm_out.scale.weight'].fill_(0.2)
    checkpoint['state_dict']['generator.norm_out.shift.weight'].fill_(1.0)
    ckpt = os.fspath(tmp_path / 'cpsc_narrow.pth')
    torch.save(checkpoint, ckpt)

    work_dir = tmp_path / 'work'
    calib = 'test_cfg.calibrate_dataloader'
    options = [
        f'{calib}.dataset.checkpoint={ckpt}',
        f'model.architecture.init_cfg.checkpoint={ckpt}',
        f'{calib}.dataset.length=16', f'{calib}.batch_size=8',
        'test_cfg.calibrate_steps=2',
        *mnist_val_options(fake_mnist_root),
        f'test_dataloader.dataset.data_root={fake_mnist_root}',
        'val_dataloader.batch_size=20'
    ]
    result = subprocess.run(
        [sys.executable, 'tools/ptq.py', PTQ_CONFIG, '--work-dir',
         os.fspath(work_dir), '--cfg-options', *options],
        cwd=REPO, capture_output=True, text=True, timeout=600,
        env=dict(os.environ, OMP_NUM_THREADS='1'))
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-3000:]
    # Float model first (before calibration), then the quantized one.
    assert log.index('float model: accuracy/top1') < log.index(
        'quantized model: accuracy/top1'), log[-3000:]
    assert log.index('Evaluating the float model') < log.index(
        'Finish calibratiion')  # mmrazor's spelling

    run_dir, = glob.glob(os.fspath(work_dir / '*' / 'model_ptq.pth'))
    run_dir = osp.dirname(run_dir)
    with open(osp.join(run_dir, 'ptq_metrics.json')) as f:
        metrics = json.load(f)
    assert set(metrics) == {'float', 'quantized'}
    assert all(0 <= m['accuracy/top1'] <= 100 for m in metrics.values())

    with safe_mmengine_checkpoint_loading():
        state = torch.load(osp.join(run_dir, 'model_ptq.pth'),
                           map_location='cpu', weights_only=True)['state_dict']
    qmodel = 'qmodels.predict.'
    # The quantized graph holds the checkpoint's student, not a fresh init.
    assert torch.allclose(state[qmodel + 'head.fc.bias'],
                          student_state['head.fc.bias'])
    assert torch.allclose(state[qmodel + 'backbone.features.0.weight'],
                          student_state['backbone.features.0.weight'])

    # Calibrated: every fake quantizer of the evaluated graph has finite,
    # positive scales that are not the reset value 1, observers are off and
    # fake quantization on. Weights: conv1-3, fc, head.fc, per channel.
    names = sorted(k[:-len('.scale')] for k in state
                   if k.startswith(qmodel) and k.endswith('.scale'))
    weights = [n for n in names if n.endswith('weight_fake_quant')]
    assert len(weights) == 5 and len(names) > 5, names
    assert state[qmodel + 'backbone.features.4.weight_fake_quant.scale'
                 ].shape == (8, )
    for name in names:
        scale = state[name + '.scale']
        assert torch.isfinite(scale).all() and (scale > 0).all(), name
        assert (scale != 1).all(), name
        assert state[name + '.observer_enabled'].item() == 0, name
        assert state[name + '.fake_quant_enabled'].item() == 1, name

    # The observers saw generator images only: the input quantizer's range
    # lies within the calibration images' range, narrower than the
    # evaluation images' (random pixels: about -0.42 to 2.81 normalised).
    cfg = Config.fromfile(PTQ_CONFIG)
    dataset_cfg = cfg.test_cfg.calibrate_dataloader.dataset
    dataset_cfg.update(checkpoint=ckpt, length=16, pipeline=[])
    dataset = DATASETS.build(dataset_cfg)
    pixels = torch.tensor(np.stack(
        [dataset.get_data_info(i)['img'] for i in range(len(dataset))]))
    mean, std = dataset_cfg.mean[0], dataset_cfg.std[0]
    low = (pixels.min().item() - mean) / std
    high = (pixels.max().item() - mean) / std
    assert high - low < 2.0, (low, high)
    observer = qmodel + 'activation_post_process_0.activation_post_process.'
    assert low - 1e-4 <= state[observer + 'min_val'].item()
    assert state[observer + 'max_val'].item() <= high + 1e-4
