""".dev_scripts/student_features.py tells a dead student from a live one (on the
CIFAR-10 pair, whose last BN-ReLU feeds the pooled features)."""
import os
import sys

import torch
from conftest import REPO, build_algorithm, load_script
from mmengine.config import Config



student_features = load_script('.dev_scripts', 'student_features').student_features

CIFAR_CPSC = os.path.join(REPO, 'configs', 'cpsc',
                          'cpsc_wrn16-2_wrn16-1_cifar10.py')


def test_dead_final_relu_is_reported(tmp_path, tiny_cifar10_root):
    cfg = Config.fromfile(CIFAR_CPSC)
    cfg.model.teacher_ckpt = None
    cfg.model.generator.hidden_channels = 8
    cfg.val_dataloader.dataset.per_class = 2
    cfg.val_dataloader.dataset.dataset.data_root = tiny_cifar10_root
    torch.manual_seed(0)
    algorithm, _ = build_algorithm(cfg)
    live = tmp_path / 'live.pth'
    torch.save(dict(state_dict=algorithm.state_dict()), live)
    record = student_features(cfg, os.fspath(live))
    assert record['images'] == 20
    assert record['zero_feature_fraction'] < 1.0
    # Kill the student's last BN-ReLU: every feature 0, one answer.
    norms = [m for m in algorithm.architecture.modules()
             if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    with torch.no_grad():
        norms[-1].weight.zero_()
        norms[-1].bias.fill_(-1.0)
    dead = tmp_path / 'dead.pth'
    torch.save(dict(state_dict=algorithm.state_dict()), dead)
    record = student_features(cfg, os.fspath(dead))
    assert record['zero_feature_fraction'] == 1.0
    assert record['distinct_predictions_eval_bn'] == 1
    assert record['distinct_predictions_batch_bn'] == 1
    assert record['last_bn_mean_shift'] == -1.0


def test_several_checkpoints_give_a_timeline(tmp_path, tiny_cifar10_root):
    import json
    import subprocess
    cfg = Config.fromfile(CIFAR_CPSC)
    cfg.model.teacher_ckpt = None
    cfg.model.generator.hidden_channels = 8
    torch.manual_seed(0)
    algorithm, _ = build_algorithm(cfg)
    paths = []
    # A live student at iteration 10, its last BN-ReLU killed by 20.
    for name, scale, shift in (('iter_10.pth', 1.0, 0.0),
                               ('iter_20.pth', 0.0, -1.0)):
        norms = [m for m in algorithm.architecture.modules()
                 if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
        with torch.no_grad():
            norms[-1].weight.fill_(scale)
            norms[-1].bias.fill_(shift)
        torch.save(dict(state_dict=algorithm.state_dict()), tmp_path / name)
        paths.append(os.fspath(tmp_path / name))
    out = tmp_path / 'timeline.json'
    result = subprocess.run(
        [sys.executable, '.dev_scripts/student_features.py', CIFAR_CPSC,
         *paths,
         '--images', '20', '--out', os.fspath(out), '--cfg-options',
         'model.teacher_ckpt=None', 'model.generator.hidden_channels=8',
         'val_dataloader.dataset.per_class=2',
         f'val_dataloader.dataset.dataset.data_root={tiny_cifar10_root}'],
        cwd=REPO, capture_output=True, text=True,
        env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert result.returncode == 0, result.stderr[-2000:]
    timeline = json.loads(out.read_text())
    assert [r['checkpoint'] for r in timeline] == paths
    assert [r['last_bn_mean_shift'] for r in timeline] == [0.0, -1.0]
    assert timeline[0]['zero_feature_fraction'] < 1.0
    assert timeline[1]['zero_feature_fraction'] == 1.0
