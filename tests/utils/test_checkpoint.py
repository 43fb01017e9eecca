"""Teacher checkpoints are read safely, and problems are named clearly."""
import os

import pytest
import torch
from mmpretrain.registry import MODELS

from mmrazor_cpsc.utils import (TeacherCheckpointError,
                                load_teacher_checkpoint, read_state_dict)


def teacher():
    return MODELS.build(dict(
        _scope_='mmpretrain', type='ImageClassifier',
        backbone=dict(type='LeNet5BN'),
        head=dict(type='LinearClsHead', num_classes=10, in_channels=84)))


class Payload:

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, 'w'))


def test_pickle_payload_is_refused_and_never_runs(tmp_path):
    marker = tmp_path / 'payload_ran'
    path = tmp_path / 'evil_teacher.pth'
    state = teacher().state_dict()
    state['extra'] = Payload(os.fspath(marker))
    torch.save(state, path)
    with pytest.raises(TeacherCheckpointError) as err:
        load_teacher_checkpoint(teacher(), os.fspath(path))
    message = str(err.value)
    assert 'evil_teacher.pth' in message
    # Plain text naming what was refused, and the fix.
    assert 'asks for `io.open`' in message  # builtins.open pickles so
    assert 'could run code' in message and 'torch.save(' in message
    assert '\x1b[' not in message and '\n' not in message
    assert not marker.exists()


def test_payload_beside_training_metadata_is_refused(tmp_path):
    # A checkpoint as mmengine/mmpretrain training writes it (message hub,
    # numpy scalars: allow-listed) with one planted global: the planted
    # global is named and never runs; without it the same file loads.
    import numpy as np
    from mmengine.logging import HistoryBuffer
    marker = tmp_path / 'payload_ran'
    source = teacher()
    buffer = HistoryBuffer()
    buffer.update(np.float64(0.5))
    checkpoint = dict(
        state_dict=source.state_dict(),
        meta=dict(epoch=np.int64(3), seed=np.int32(0), dataset_meta=dict(
            classes=['a', 'b'])),
        message_hub=dict(log_scalars={'train/loss': buffer},
                         runtime_info={'lr': np.float32(0.1)}))
    torch.save(checkpoint, tmp_path / 'trained.pth')
    load_teacher_checkpoint(teacher(), os.fspath(tmp_path / 'trained.pth'))
    checkpoint['meta']['hook'] = Payload(os.fspath(marker))
    torch.save(checkpoint, tmp_path / 'planted.pth')
    with pytest.raises(TeacherCheckpointError, match='asks for `'):
        load_teacher_checkpoint(teacher(), os.fspath(tmp_path / 'planted.pth'))
    assert not marker.exists()


def test_plain_and_mmengine_style_checkpoints_load(tmp_path):
    source = teacher()
    for name, payload in (('plain.pth', source.state_dict()),
                          ('mmengine.pth', {'state_dict': source.state_dict(),
                                            'meta': {'epoch': 3}}),
                          ('ddp.pth', {f'module.{k}': v for k, v in
                                       source.state_dict().items()})):
        torch.save(payload, tmp_path / name)
        target = teacher()
        load_teacher_checkpoint(target, os.fspath(tmp_path / name))
        for key, value in source.state_dict().items():
            assert torch.equal(target.state_dict()[key], value)


def test_missing_file(tmp_path):
    with pytest.raises(TeacherCheckpointError, match='does not exist'):
        read_state_dict(os.fspath(tmp_path / 'nope.pth'))


def test_corrupt_file(tmp_path):
    path = tmp_path / 'corrupt.pth'
    torch.save(teacher().state_dict(), path)
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(TeacherCheckpointError, match='corrupt'):
        read_state_dict(os.fspath(path))


def test_wrong_architecture_lists_keys(tmp_path):
    path = tmp_path / 'half.pth'
    half = MODELS.build(dict(
        _scope_='mmpretrain', type='ImageClassifier',
        backbone=dict(type='LeNet5BN', channels=(3, 8, 60), fc_channels=42),
        head=dict(type='LinearClsHead', num_classes=10, in_channels=42)))
    state = half.state_dict()
    state['backbone.extra.weight'] = torch.zeros(1)
    del state['head.fc.bias']
    torch.save(state, path)
    with pytest.raises(TeacherCheckpointError) as err:
        load_teacher_checkpoint(teacher(), os.fspath(path))
    message = str(err.value)
    assert '1 missing keys [head.fc.bias]' in message
    assert '1 unexpected keys [backbone.extra.weight]' in message
    assert 'backbone.features.0.weight: checkpoint (3, 1, 5, 5)' in message


@pytest.fixture
def local_server(tmp_path):
    """An HTTP server on 127.0.0.1 serving tmp_path/'served'."""
    import functools
    import http.server
    import threading
    served = tmp_path / 'served'
    served.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler,
                                directory=os.fspath(served))
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield served, f'http://127.0.0.1:{server.server_address[1]}'
    server.shutdown()
    server.server_close()


def test_url_teacher_is_downloaded_once_cached_and_loaded_safely(
        tmp_path, local_server, monkeypatch):
    import hashlib
    served, base = local_server
    # The download cache (torch.hub's, which mmengine uses), restored after.
    monkeypatch.setattr(torch.hub, '_hub_dir',
                        os.fspath(tmp_path / 'torch_home' / 'hub'))
    source = teacher()
    torch.save({'state_dict': source.state_dict(), 'meta': {'epoch': 1}},
               served / 'teacher.pth')
    target = teacher()
    load_teacher_checkpoint(target, f'{base}/teacher.pth')
    for key, value in source.state_dict().items():
        assert torch.equal(target.state_dict()[key], value)
    cached = tmp_path / 'torch_home' / 'hub' / 'checkpoints' / 'teacher.pth'
    assert cached.is_file()
    # Cached: served file gone, still loads.
    (served / 'teacher.pth').unlink()
    load_teacher_checkpoint(teacher(), f'{base}/teacher.pth')

    # A planted payload behind a URL is refused like a local one.
    marker = tmp_path / 'payload_ran'
    state = teacher().state_dict()
    state['extra'] = Payload(os.fspath(marker))
    torch.save(state, served / 'evil.pth')
    with pytest.raises(TeacherCheckpointError, match='asks for `'):
        load_teacher_checkpoint(teacher(), f'{base}/evil.pth')
    assert not marker.exists()

    # torch.hub's NAME-<sha256 prefix>.pth convention is checked.
    torch.save(teacher().state_dict(), served / 'real.pth')
    digest = hashlib.sha256((served / 'real.pth').read_bytes()).hexdigest()
    (served / 'real.pth').rename(served / 'teacher-deadbeef.pth')
    with pytest.raises(TeacherCheckpointError, match='Cannot download'):
        load_teacher_checkpoint(teacher(), f'{base}/teacher-deadbeef.pth')
    (served / 'teacher-deadbeef.pth').rename(
        served / f'teacher-{digest[:8]}.pth')
    load_teacher_checkpoint(teacher(), f'{base}/teacher-{digest[:8]}.pth')

    # A dead link names the URL and the fix.
    with pytest.raises(TeacherCheckpointError,
                       match=r"Cannot download .*missing\.pth.*HTTPError"):
        load_teacher_checkpoint(teacher(), f'{base}/missing.pth')


def test_model_zoo_name_resolves_through_mmengine_tables():
    with pytest.raises(TeacherCheckpointError,
                       match="not in mmengine's model zoo table"):
        load_teacher_checkpoint(teacher(), 'open-mmlab://no_such_model')


def test_model_zoo_teacher_is_built_bare_and_loaded_safely(
        tmp_path, local_server, monkeypatch):
    # teacher=dict(cfg_path=..., pretrained=URL): the weights come through
    # the weights-only loader, not mmengine's get_model (full unpickling).
    from mmpretrain.registry import MODELS as PRETRAIN_MODELS

    from mmrazor_cpsc.models.algorithms.cpsc_data_free_distillation import \
        CPSCDataFreeDistillation
    from mmrazor_cpsc.utils.checkpoint import pretrained_weights
    served, base = local_server
    monkeypatch.setattr(torch.hub, '_hub_dir', os.fspath(tmp_path / 'hub'))
    zoo = dict(cfg_path='mmpretrain::lenet/lenet5_mnist.py')
    torch.manual_seed(1)
    source = PRETRAIN_MODELS.build(dict(
        _scope_='mmpretrain', type='ImageClassifier',
        backbone=dict(type='LeNet5', num_classes=10),
        neck=None, head=dict(type='ClsHead')))
    torch.save({'state_dict': source.state_dict()}, served / 'lenet.pth')
    built, _ = CPSCDataFreeDistillation._build_teacher(
        dict(zoo, pretrained=f'{base}/lenet.pth'), None)
    for key, value in source.state_dict().items():
        assert torch.equal(built.state_dict()[key], value), key

    marker = tmp_path / 'payload_ran'
    state = source.state_dict()
    state['extra'] = Payload(os.fspath(marker))
    torch.save(state, served / 'evil.pth')
    with pytest.raises(TeacherCheckpointError, match='asks for `'):
        CPSCDataFreeDistillation._build_teacher(
            dict(zoo, pretrained=f'{base}/evil.pth'), None)
    assert not marker.exists()

    # pretrained=True: the Weights URL of mmpretrain's model index (read,
    # not downloaded, here).
    url = pretrained_weights(dict(
        cfg_path='mmpretrain::resnet/resnet18_8xb16_cifar10.py',
        pretrained=True))
    assert url.startswith('https://') and url.endswith('.pth')
    with pytest.raises(TeacherCheckpointError,
                       match='has no pretrained weights'):
        pretrained_weights(dict(zoo, pretrained=True))


def test_module_extra_state_is_skipped_and_other_values_refused(tmp_path):
    # A CPSC checkpoint with a replay bank: its stored samples are the
    # bank's extra state (a dict of tensors), not weights.
    state = teacher().state_dict()
    state['replay_bank._extra_state'] = dict(images=torch.zeros(2, 1),
                                             num_stored=2)
    torch.save(dict(state_dict=state), tmp_path / 'with_bank.pth')
    weights = read_state_dict(os.fspath(tmp_path / 'with_bank.pth'))
    assert 'replay_bank._extra_state' not in weights
    assert set(weights) == set(teacher().state_dict())
    state['head.note'] = dict(a=torch.zeros(1))  # not extra state
    torch.save(dict(state_dict=state), tmp_path / 'odd.pth')
    with pytest.raises(TeacherCheckpointError, match='no state dict of'):
        read_state_dict(os.fspath(tmp_path / 'odd.pth'))
