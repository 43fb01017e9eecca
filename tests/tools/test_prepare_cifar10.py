"""tools/prepare_cifar10.py, the command line: a tiny folder becomes the
batches, a second run changes nothing, a missing source is one line."""
import os
import os.path as osp
import subprocess
import sys

from conftest import REPO, write_cifar_like_folder


def run_tool(*args, cwd):
    result = subprocess.run(
        [sys.executable, osp.join(REPO, 'tools', 'prepare_cifar10.py'),
         *args], cwd=cwd, capture_output=True, text=True, timeout=300,
        env=dict(os.environ, OMP_NUM_THREADS='1'))
    return result.returncode, result.stdout, result.stderr


def test_prepare_then_nothing_to_do_then_a_missing_source(tmp_path):
    write_cifar_like_folder(os.fspath(tmp_path / 'images'))
    code, out, err = run_tool('--source', 'images', '--root', 'cifar10',
                              '--allow-any-size', cwd=tmp_path)
    assert code == 0, err
    assert 'CIFAR-10 ready in cifar10/cifar-10-batches-py' in out
    assert 'mean [' in out and 'std [' in out
    batch = tmp_path / 'cifar10' / 'cifar-10-batches-py' / 'data_batch_1'
    before = os.stat(batch).st_mtime_ns
    code, out, _ = run_tool('--source', 'images', '--root', 'cifar10',
                            '--allow-any-size', cwd=tmp_path)
    assert code == 0 and 'already in' in out
    assert os.stat(batch).st_mtime_ns == before
    code, _, err = run_tool('--source', 'nowhere.tar.gz', '--root', 'other',
                            cwd=tmp_path)
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert 'not found' in err and 'download=True' in err
