"""tools/prepare_mnist.py on files already in place: it says what it checked
(the IDX format and counts), not that they are MNIST."""
import struct
import subprocess
import sys

from conftest import REPO

from mmrazor_cpsc.datasets.preparation.mnist import FILES


def test_files_in_mnist_format_are_not_claimed_to_be_mnist(tmp_path):
    for name, (magic, count) in FILES.items():
        (tmp_path / name).write_bytes(struct.pack('>II', magic, count))
    result = subprocess.run(
        [sys.executable, 'tools/prepare_mnist.py', '--root', str(tmp_path)],
        cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "complete split in MNIST's format" in result.stdout
    assert 'content is not checked' in result.stdout
    assert 'MNIST already in' not in result.stdout
