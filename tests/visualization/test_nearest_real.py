import os
import subprocess
import sys

import pytest
import torch
from conftest import REPO, build_algorithm, run_tool_here, small_mnist_cfg
from mmengine.config import Config

from mmrazor_cpsc.visualization import load_real_pixels, nearest_real_labels


def test_nearest_real_labels_finds_the_closest_reference():
    reference = torch.zeros(3, 1, 4, 4)
    reference[0, :, :2] = 1  # top half bright
    reference[1, :, 2:] = 1  # bottom half bright
    reference[2, :, :, :2] = 1  # left half bright
    real_labels = torch.tensor([7, 3, 5])
    queries = reference[[2, 0, 1, 0]] + 0.1 * torch.randn(4, 1, 4, 4)
    labels = nearest_real_labels(queries, reference, real_labels, chunk=3)
    assert labels.tolist() == [5, 7, 3, 7]


def test_nearest_real_labels_refuses_other_image_sizes():
    with pytest.raises(ValueError, match="generator's image size"):
        nearest_real_labels(torch.zeros(2, 1, 32, 32),
                            torch.zeros(5, 1, 28, 28), torch.zeros(5))


def mnist_test_set(root):
    cfg = Config.fromfile(os.path.join(REPO, 'configs', '_base_', 'datasets',
                                       'mnist_test.py'))
    return dict(cfg.test_dataloader.dataset, data_root=root)


def test_load_real_pixels_reads_the_evaluation_view(fake_mnist_root):
    pixels, labels = load_real_pixels(mnist_test_set(fake_mnist_root))
    assert pixels.shape == (40, 1, 32, 32)  # resized like the evaluation
    assert 0 <= pixels.min() and pixels.max() <= 1 and pixels.max() > 0.5
    assert labels.tolist() == [i % 10 for i in range(40)]
    few, _ = load_real_pixels(mnist_test_set(fake_mnist_root), limit=7)
    assert torch.equal(few, pixels[:7])


def test_visualize_tool_reports_both_checks(tmp_path, fake_mnist_root,
                                            capsys):
    cfg = small_mnist_cfg()
    config = tmp_path / 'config.py'
    cfg.dump(os.fspath(config))
    torch.manual_seed(0)
    algorithm, _ = build_algorithm(cfg)
    checkpoint = tmp_path / 'algorithm.pth'
    torch.save(dict(state_dict=algorithm.state_dict()), checkpoint)
    grid = tmp_path / 'grid.png'
    result = subprocess.run(
        [sys.executable, 'tools/visualize_generator.py', os.fspath(config),
         os.fspath(checkpoint), '--out', os.fspath(grid), '--per-class', '2',
         '--check-per-class', '4', '--real-reference',
         # The real images come from the config as overridden here.
         '--cfg-options',
         f'test_dataloader.dataset.data_root={fake_mnist_root}'],
        cwd=REPO, capture_output=True, text=True, timeout=300,
        env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert result.returncode == 0, result.stderr[-3000:]
    assert grid.stat().st_size > 0
    assert "of the 40 images as their row's class" in result.stdout
    assert "of the 40 images have a real image of their row's class" \
        in result.stdout
    assert '40 real images; per class 0:' in result.stdout

    def refused(config_path, *options):
        # The script's main() in this process (its argument checks end in
        # argparse's usage error, exit code 2, before any work).
        capsys.readouterr()
        code = run_tool_here('visualize_generator', os.fspath(config_path),
                             os.fspath(checkpoint), *options)
        err = capsys.readouterr().err
        assert code == 2, err[-2000:]
        return err

    assert '--check-per-class must be at least 1' in refused(
        config, '--check-per-class', '0')
    cfg.pop('test_dataloader')
    no_test_set = tmp_path / 'no_test_set.py'
    cfg.dump(os.fspath(no_test_set))
    assert "config's test_dataloader, which it does not have" in refused(
        no_test_set, '--real-reference')
