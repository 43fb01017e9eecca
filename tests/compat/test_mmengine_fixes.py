"""The mmengine fixes: each upstream symptom without its fix, and the fix."""
import os
import pickle

import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

from mmrazor_cpsc import compat


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
