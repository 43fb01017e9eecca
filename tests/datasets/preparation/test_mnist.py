"""The MNIST check: what it reads (headers: format and counts)."""
import struct

from mmrazor_cpsc.datasets.preparation.mnist import FILES, problems


def test_problems_name_missing_and_foreign_files(tmp_path):
    assert sorted(problems(str(tmp_path))) == sorted(
        f'{name} missing' for name in FILES)
    for name, (magic, count) in FILES.items():
        (tmp_path / name).write_bytes(struct.pack('>II', magic, count))
    assert problems(str(tmp_path)) == []
    (tmp_path / 't10k-labels-idx1-ubyte').write_bytes(
        struct.pack('>II', 2049, 9999))
    assert problems(str(tmp_path)) == [
        't10k-labels-idx1-ubyte is not an IDX file of 10000 items']
