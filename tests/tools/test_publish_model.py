"""tools/publish_model.py on a checkpoint tools/train.py wrote: weights and
metadata kept, resume-only state dropped, the weights' hash in the name."""
import os
import re
import subprocess
import sys

import pytest
import torch
from conftest import (REPO, TEACHER_CONFIG, load_script,
                      mnist_train_options, mnist_val_options, train_here)

from mmrazor_cpsc.compat import safe_mmengine_checkpoint_loading
from mmrazor_cpsc.utils import weights_sha256


def _publish(*args):
    return subprocess.run([sys.executable, 'tools/publish_model.py', *args],
                          cwd=REPO, capture_output=True, text=True,
                          timeout=300)


def _load(path):
    with safe_mmengine_checkpoint_loading():
        return torch.load(path, map_location='cpu', weights_only=True)


def test_publish_a_trained_teacher(tmp_path, fake_mnist_root):
    # The checkpoint to publish, trained in this process.
    train_here(TEACHER_CONFIG, tmp_path / 'teacher', [
        *mnist_train_options(fake_mnist_root),
        *mnist_val_options(fake_mnist_root),
        'train_cfg.max_epochs=1', 'train_dataloader.batch_size=20'])
    src = os.fspath(tmp_path / 'teacher' / 'epoch_1.pth')
    result = _publish(src, os.fspath(tmp_path / 'zoo' / 'lenet.pth'))
    assert result.returncode == 0, result.stderr[-2000:]

    digest = weights_sha256(src)
    published = os.fspath(tmp_path / 'zoo' / f'lenet-{digest[:8]}.pth')
    assert result.stdout.split() == [published, 'weights', 'sha256', digest]
    assert os.listdir(tmp_path / 'zoo') == [f'lenet-{digest[:8]}.pth']
    assert weights_sha256(published) == digest

    original, kept = _load(src), _load(published)
    assert 'optimizer' in original and 'message_hub' in original
    assert sorted(kept) == ['meta', 'state_dict']
    assert sorted(kept['state_dict']) == sorted(original['state_dict'])
    for name, value in original['state_dict'].items():
        assert torch.equal(kept['state_dict'][name], value), name
    # What the teacher checks read: the normalisation and the classes.
    for key in ('training_data', 'dataset_meta', 'cfg', 'seed'):
        assert kept['meta'][key] == original['meta'][key], key
    assert 'hook_msgs' not in kept['meta']


def test_publish_refuses_bad_input_with_a_message(tmp_path, capsys):
    missing = _publish(os.fspath(tmp_path / 'none.pth'),
                       os.fspath(tmp_path / 'out.pth'))
    assert missing.returncode != 0
    assert 'does not exist' in missing.stderr
    assert 'Traceback' not in missing.stderr

    # The script's main() in this process (argparse's usage error: exit 2).
    src = tmp_path / 'weights.pth'
    torch.save({'w': torch.zeros(2)}, src)
    tool = load_script('tools', 'publish_model')
    capsys.readouterr()
    with pytest.raises(SystemExit) as no_suffix:
        tool.main([os.fspath(src), os.fspath(tmp_path / 'out')])
    assert no_suffix.value.code == 2
    assert re.search(r"dst '.*out' must end in \.pth", capsys.readouterr().err)
    assert not (tmp_path / 'out').exists()
