"""Lay out CIFAR-10 image folders the way mmpretrain's ``CIFAR10`` reads them.

    python tools/prepare_cifar10.py [--source ARCHIVE_OR_FOLDER]
        [--root data/cifar10] [--allow-any-size]
    mim run mmrazor_cpsc prepare_cifar10 [same arguments]

The source is a ``.tar.gz`` archive or a folder holding
``train/<class>/*.jpg|png`` and ``test/<class>/*.jpg|png`` with CIFAR-10's
ten class folders (airplane ... truck). By default it is the project's
offline copy, ``../shared/datasets/cifar10-jpeg.tar.gz`` beside the
repository. The result is
``ROOT/cifar-10-batches-py/{data_batch_1..5,test_batch,batches.meta}``: the
python version of CIFAR-10, pickled as the official download is (see
:mod:`mmrazor_cpsc.datasets.preparation.cifar10`). The mean and std of the
decoded training images are printed and written to
``ROOT/cifar-10-batches-py/stats.json``.

Running it again on a complete ``ROOT`` changes nothing.
"""
import argparse
import os.path as osp
import sys
from typing import List, Optional

from mmrazor_cpsc.datasets.preparation import LayoutError, prepare_cifar10
from mmrazor_cpsc.datasets.preparation.cifar10 import (BASE_FOLDER,
                                                       existing_problems)

# The offline copy beside a checkout of this repository.
DEFAULT_SOURCE = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'shared',
    'datasets', 'cifar10-jpeg.tar.gz')


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--source', default=DEFAULT_SOURCE,
                        help='archive (.tar.gz) or folder with '
                        'train|test/<class>/ images (default: %(default)s)')
    parser.add_argument('--root', default='data/cifar10')
    parser.add_argument('--allow-any-size', action='store_true',
                        help='accept splits of other sizes than 50,000 / '
                        '10,000 (class-balanced): small test archives')
    args = parser.parse_args(argv)
    folder = osp.join(args.root, BASE_FOLDER)
    if osp.isdir(folder) and not existing_problems(args.root,
                                                   args.allow_any_size):
        print(f'CIFAR-10 already in {folder} (counts and labels checked).')
        return 0
    try:
        stats = prepare_cifar10(args.source, args.root, args.allow_any_size)
    except (FileNotFoundError, LayoutError) as err:
        print(f'prepare_cifar10: {err}', file=sys.stderr)
        return 1
    print(f'CIFAR-10 ready in {folder}. Training-set mean {stats["mean"]}, '
          f'std {stats["std"]} (RGB, 0-255).')
    return 0


if __name__ == '__main__':
    sys.exit(main())
