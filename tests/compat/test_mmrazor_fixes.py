"""The MMRazor fixes: each upstream symptom without its fix, and the fix;
and the version gates that decide which fixes apply."""
import subprocess
import sys

import pytest
import torch
from conftest import tiny_mmrazor_dfad

from mmrazor_cpsc import compat


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, '-c', code], capture_output=True,
                          text=True, timeout=300)


def test_mmrazor_models_fails_without_fix_and_imports_with_it():
    bare = _run('import mmrazor.models')
    assert bare.returncode != 0
    assert 'torch>=1.13' in bare.stderr
    fixed = _run('import mmrazor_cpsc, mmrazor.models; '
                 'from mmrazor.models import DAFLDataFreeDistillation; '
                 'print("ok")')
    assert fixed.returncode == 0, fixed.stderr[-2000:]
    assert fixed.stdout.strip().endswith('ok')


def test_quantization_patch_is_idempotent():
    assert compat.patch_torch_quantization_names() == []


def test_mmrazor_data_free_single_process_without_fix_and_with(monkeypatch):
    from mmrazor.models.architectures.generators.base_generator import \
        BaseGenerator
    model, optim, data = tiny_mmrazor_dfad()
    log = model.train_step(data, optim)  # fixed: runs in one process
    assert 'distill.loss_l1' in log and 'generator.loss_l1' in log
    monkeypatch.delattr(BaseGenerator, 'module')
    with pytest.raises(AttributeError, match="has no attribute 'module'"):
        model.train_step(data, optim)


def test_mmrazor_generator_step_leaks_into_student_without_fix(monkeypatch):
    from mmrazor.models.algorithms.distill.configurable.\
        datafree_distillation import DataFreeDistillation
    model, optim, data = tiny_mmrazor_dfad()
    model.train_generator(data, optim['generator'])
    assert all(p.grad is None for p in model.student.parameters())
    monkeypatch.setattr(DataFreeDistillation, 'train_generator',
                        DataFreeDistillation.train_generator.__wrapped__)
    model.train_generator(data, optim['generator'])
    leaked = [p for p in model.student.parameters()
              if p.grad is not None and p.grad.abs().sum() > 0]
    assert len(leaked) == len(list(model.student.parameters()))


class _TraceableNet(torch.nn.Module):
    """Conv-BN-ReLU and Linear-ReLU, fx-traceable (no shape checks)."""

    def __init__(self):
        super().__init__()
        self.features = torch.nn.Sequential(
            torch.nn.Conv2d(1, 4, 3), torch.nn.BatchNorm2d(4),
            torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(1))
        self.fc = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.ReLU())

    def forward(self, x):
        return (self.fc(self.features(x).flatten(1)), )


def _ptq_model():
    from mmpretrain.registry import MODELS as PRETRAIN_MODELS
    from mmrazor.registry import MODELS
    PRETRAIN_MODELS.register_module('CompatTraceableNet', module=_TraceableNet,
                                    force=True)
    qscheme = dict(qdtype='quint8', bit=8, is_symmetry=True)
    torch.manual_seed(0)
    return MODELS.build(dict(
        type='mmrazor.MMArchitectureQuant',
        data_preprocessor=dict(type='mmpretrain.ClsDataPreprocessor',
                               mean=[0.], std=[1.], num_classes=3),
        architecture=dict(
            _scope_='mmpretrain', type='ImageClassifier',
            backbone=dict(type='CompatTraceableNet'),
            head=dict(type='LinearClsHead', num_classes=3, in_channels=6)),
        input_shapes=(1, 1, 8, 8),
        quantizer=dict(
            type='mmrazor.OpenVINOQuantizer',
            global_qconfig=dict(
                w_observer=dict(type='mmrazor.PerChannelMinMaxObserver'),
                a_observer=dict(type='mmrazor.MovingAverageMinMaxObserver'),
                w_fake_quant=dict(type='mmrazor.FakeQuantize'),
                a_fake_quant=dict(type='mmrazor.FakeQuantize'),
                w_qscheme=dict(qdtype='qint8', bit=8, is_symmetry=True,
                               is_symmetric_range=True),
                a_qscheme=qscheme),
            tracer=dict(type='mmrazor.CustomTracer', skipped_methods=[
                'mmpretrain.models.heads.ClsHead._get_loss',
                'mmpretrain.models.heads.ClsHead._get_predictions']))))


def test_mmrazor_quantizer_fuse_fx_keyword_without_fix(monkeypatch):
    from mmrazor.models.quantizers import native_quantizer
    monkeypatch.setattr(native_quantizer, '_fuse_fx',
                        native_quantizer._fuse_fx.__wrapped__)
    with pytest.raises(TypeError, match='graph_module'):
        _ptq_model()


def test_mmrazor_fusion_patterns_reversed_without_fix(monkeypatch):
    from mmrazor.structures.quantization import (BackendConfigs,
                                                 get_openvino_backend_config)
    # A freshly built mmrazor backend config has the torch-1.13 patterns.
    monkeypatch.setitem(BackendConfigs, 'openvino',
                        get_openvino_backend_config())
    # backbone ReLU + head.fc are fused across the Linear-ReLU boundary.
    with pytest.raises(KeyError, match='head.fc.weight_fake_quant'):
        _ptq_model()


def test_mmrazor_post_training_quantization_with_fix():
    from mmpretrain.structures import DataSample
    from torch.ao.nn import qat as nnqat
    from torch.ao.nn.intrinsic import qat as nniqat
    from torch.ao.quantization import (FakeQuantizeBase, disable_observer,
                                       enable_fake_quant, enable_observer)
    model = _ptq_model().eval()
    qmodel = model.qmodels['predict']
    # The right modules are fused: conv+bn+relu, linear+relu; head.fc alone.
    assert isinstance(qmodel.get_submodule('backbone.features.0'),
                      nniqat.ConvBnReLU2d)
    assert isinstance(qmodel.get_submodule('backbone.fc.0'),
                      nniqat.LinearReLU)
    assert type(qmodel.get_submodule('head.fc')) is nnqat.Linear

    model.apply(enable_fake_quant)
    model.apply(enable_observer)
    batch = dict(inputs=[torch.randint(0, 256, (1, 8, 8), dtype=torch.uint8)
                         for _ in range(4)],
                 data_samples=[DataSample().set_gt_label(0)] * 4)
    with torch.no_grad():
        for _ in range(3):  # calibration, as PTQLoop.run_iter does
            model.calibrate_step(batch)
    model.apply(disable_observer)
    scales = [m.scale for m in qmodel.modules()
              if isinstance(m, FakeQuantizeBase)]
    assert len(scales) >= 5
    assert all(torch.isfinite(s).all() and (s != 1).all() for s in scales)

    inputs = model.data_preprocessor(batch, False)['inputs']
    with torch.no_grad():
        model.sync_qparams('predict')  # the 'tensor' graph gets the scales
        quantized = model(inputs, None, 'tensor')
        floating = model.architecture(inputs, None, 'tensor')
    assert quantized.shape == floating.shape == (4, 3)
    assert (quantized - floating).abs().max() < 0.1 * floating.abs().max()


def test_fixes_are_gated_on_the_versions_that_need_them(monkeypatch):
    """On this stack every fix applies; a release past a fix's last
    affected version (or a torch before the rename) gets none of it."""
    assert set(compat.applied_fixes()) == set(compat.GATES)
    real = compat._installed_version

    def newer_mmrazor(package):
        return '1.0.1' if package == 'mmrazor' else real(package)

    monkeypatch.setattr(compat, '_installed_version', newer_mmrazor)
    assert not compat.needs_fix('patch_mmrazor_data_free_distillation')
    assert not compat.needs_fix('patch_torch_quantization_names')
    assert compat.needs_fix('patch_cpu_distributed')  # an mmengine fix

    def old_torch(package):
        return '1.13.1' if package == 'torch' else real(package)

    monkeypatch.setattr(compat, '_installed_version', old_torch)
    assert not compat.needs_fix('patch_torch_quantization_names')
    assert not compat.needs_fix('patch_mmengine_checkpoint_loading')
    assert compat.needs_fix('patch_mmrazor_data_free_distillation')
