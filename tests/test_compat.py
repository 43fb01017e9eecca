"""Each compatibility fix: the upstream symptom without it, and the fix."""
import os
import pickle
import subprocess
import sys

import pytest
import torch
from conftest import REPO, tiny_mmrazor_dfad
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

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


def _history_checkpoint(path):
    buffer = HistoryBuffer()
    buffer.update(1.5)
    torch.save({'state_dict': {'w': torch.ones(2)},
                'message_hub': {'log_scalars': {'loss': buffer}}}, path)


def test_history_buffer_pickles_functions_without_fix(tmp_path, monkeypatch):
    path = tmp_path / 'old.pth'
    monkeypatch.setattr(HistoryBuffer, '__getstate__',
                        HistoryBuffer.__getstate__.__wrapped__)
    _history_checkpoint(path)
    with pytest.raises(pickle.UnpicklingError, match='getattr'):
        with compat.safe_mmengine_checkpoint_loading():
            torch.load(path, weights_only=True)


def test_history_buffer_loads_weights_only_with_fix(tmp_path):
    path = tmp_path / 'new.pth'
    _history_checkpoint(path)
    with compat.safe_mmengine_checkpoint_loading():
        loaded = torch.load(path, weights_only=True)
    buffer = loaded['message_hub']['log_scalars']['loss']
    assert buffer.current() == 1.5
    assert buffer.mean() == 1.5  # statistics methods come back from the class


def test_mmengine_loader_refuses_history_without_fix_and_reads_it_with(
        tmp_path):
    path = os.fspath(tmp_path / 'ckpt.pth')
    _history_checkpoint(path)
    loader = CheckpointLoader._get_checkpoint_loader(path)
    assert getattr(loader, '_cpsc_safe_globals', False)
    with pytest.raises(pickle.UnpicklingError, match='HistoryBuffer'):
        loader.__wrapped__(path, map_location='cpu')
    checkpoint = loader(path, map_location='cpu')
    assert torch.equal(checkpoint['state_dict']['w'], torch.ones(2))


class _Payload:

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, 'w'))


def test_mmengine_loader_still_refuses_code(tmp_path):
    path = os.fspath(tmp_path / 'evil.pth')
    marker = tmp_path / 'pwned'
    torch.save({'state_dict': {}, 'x': _Payload(os.fspath(marker))}, path)
    loader = CheckpointLoader._get_checkpoint_loader(path)
    with pytest.raises(pickle.UnpicklingError):
        loader(path, map_location='cpu')
    assert not marker.exists()
    assert os.environ.get('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD') is None


def test_cpu_distributed_launch_and_wrap(monkeypatch):
    from mmengine.dist import utils as dist_utils
    from mmengine.model.wrappers import MMDistributedDataParallel
    for key, value in dict(RANK='0', LOCAL_RANK='0', WORLD_SIZE='1',
                           MASTER_ADDR='127.0.0.1',
                           MASTER_PORT='29541').items():
        monkeypatch.setenv(key, value)
    launch = dist_utils._init_dist_pytorch
    if not torch.cuda.is_available():
        # Upstream: the CPU launch dies in torch.cuda.set_device.
        with pytest.raises((RuntimeError, AssertionError)):
            launch.__wrapped__('gloo')
    launch('gloo')
    try:
        module = torch.nn.Linear(2, 2)
        # Upstream: the runner's device_ids=[LOCAL_RANK] is refused for CPU.
        with pytest.raises(ValueError, match='device_ids'):
            MMDistributedDataParallel.__init__.__wrapped__(
                MMDistributedDataParallel.__new__(MMDistributedDataParallel),
                module=module, device_ids=[0])
        wrapped = MMDistributedDataParallel(module=module, device_ids=[0])
        assert wrapped.module is module
    finally:
        torch.distributed.destroy_process_group()


_TEARDOWN_SCRIPT = """
import os, sys, torch
from mmrazor_cpsc.compat import exit_distributed_cleanly
torch.distributed.init_process_group('gloo', init_method='tcp://127.0.0.1:'
                                     + sys.argv[1], rank=0, world_size=1)
with exit_distributed_cleanly():
    print('trained', flush=False)
    if sys.argv[2] == 'raise':
        raise RuntimeError('broken run')
print('after the block: static destruction not skipped')
"""


@pytest.mark.parametrize('outcome', ['finish', 'raise'])
def test_distributed_exit_is_clean_and_keeps_failures(tmp_path, outcome):
    """A finished run leaves through os._exit after destroying the group
    (nothing runs after the block, buffered output is kept); a raising run
    still fails with its traceback."""
    script = tmp_path / 'rank.py'
    script.write_text(_TEARDOWN_SCRIPT)
    port = '29561' if outcome == 'finish' else '29562'
    result = subprocess.run([sys.executable, str(script), port, outcome],
                            capture_output=True, text=True, timeout=120)
    assert 'trained' in result.stdout
    if outcome == 'finish':
        assert result.returncode == 0, result.stderr
        assert 'after the block' not in result.stdout
    else:
        assert result.returncode == 1
        assert 'RuntimeError: broken run' in result.stderr


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


EDITABLE_CHECK = '''
import os.path as osp, site, sys
target = sys.argv[1]
site.addsitedir(target)  # the editable install's import hook
sys.path.remove(target)
sys.path.insert(0, target)  # its metadata first, as in a fresh venv
import mmrazor_cpsc
from mmengine.config import Config
from mmengine.config import config as config_module
original = config_module.get_installed_path.__wrapped__
print('unfixed', osp.isdir(original('mmrazor_cpsc')))
print('fixed', config_module.get_installed_path('mmrazor_cpsc'))
print('model', Config.fromfile(sys.argv[2]).model.type)
'''


def test_package_scope_configs_from_an_editable_install(tmp_path):
    # `pip install -e .` (what `make` does): mmengine looks for the package
    # beside the metadata in site-packages, where it is not.
    target = tmp_path / 'site-packages'
    subprocess.run([sys.executable, '-m', 'pip', 'install', '--no-deps',
                    '--no-build-isolation', '-q', '--target', str(target),
                    '-e', REPO], check=True, capture_output=True)
    user = tmp_path / 'my_cpsc.py'
    user.write_text("_base_ = ['mmrazor_cpsc::cpsc/"
                    "cpsc_lenet5bn_lenet5half_mnist.py']\n")
    result = subprocess.run(
        [sys.executable, '-c', EDITABLE_CHECK, str(target), str(user)],
        cwd=tmp_path, capture_output=True, text=True,
        env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert result.returncode == 0, result.stderr[-3000:]
    assert 'unfixed False' in result.stdout  # the symptom, fix undone
    assert f"fixed {os.path.join(REPO, 'mmrazor_cpsc')}" in result.stdout
    assert 'model CPSCDataFreeDistillation' in result.stdout
    # The editable build linked the source tree's .mim to the real files.
    assert os.path.samefile(
        os.path.join(REPO, 'mmrazor_cpsc', '.mim', 'configs'),
        os.path.join(REPO, 'configs'))
