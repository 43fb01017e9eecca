"""tools/prepare_cifar10.py, the command line: a tiny folder becomes the
batches, a second run changes nothing, a missing source is one line."""
import os
import os.path as osp
import subprocess
import sys

from conftest import REPO, load_script, write_cifar_like_folder


def run_tool(*args, cwd):
    result = subprocess.run(
        [sys.executable, osp.join(REPO, 'tools', 'prepare_cifar10.py'),
         *args], cwd=cwd, capture_output=True, text=True, timeout=300,
        env=dict(os.environ, OMP_NUM_THREADS='1'))
    return result.returncode, result.stdout, result.stderr


def test_prepare_then_nothing_to_do_then_a_missing_source(
        tmp_path, monkeypatch, capsys):
    write_cifar_like_folder(os.fspath(tmp_path / 'images'))
    code, out, err = run_tool('--source', 'images', '--root', 'cifar10',
                              '--allow-any-size', cwd=tmp_path)
    assert code == 0, err
    assert 'CIFAR-10 ready in cifar10/cifar-10-batches-py' in out
    assert 'mean [' in out and 'std [' in out
    batch = tmp_path / 'cifar10' / 'cifar-10-batches-py' / 'data_batch_1'
    before = os.stat(batch).st_mtime_ns

    # The script's main() in this process for the next two (its exit code
    # is main()'s return value); the first run was the real process.
    tool = load_script('tools', 'prepare_cifar10')
    monkeypatch.chdir(tmp_path)

    def run_here(*args):
        capsys.readouterr()
        code = tool.main(list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    code, out, _ = run_here('--source', 'images', '--root', 'cifar10',
                            '--allow-any-size')
    assert code == 0 and 'already in' in out
    assert os.stat(batch).st_mtime_ns == before
    code, _, err = run_here('--source', 'nowhere.tar.gz', '--root', 'other')
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert 'not found' in err and 'download=True' in err
