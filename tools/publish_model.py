"""Publish a trained checkpoint: weights and training metadata only, named
by its weights' hash, as OpenMMLab's ``publish_model.py`` does.

    python tools/publish_model.py SRC.pth OUT_DIR/NAME.pth

writes ``OUT_DIR/NAME-XXXXXXXX.pth`` (``XXXXXXXX``: the first eight hex
digits of the weights' sha256, the hash tools/benchmark.py and
tools/tune.py record as ``teacher_sha256``) holding ``state_dict`` and
``meta`` (the config, seed, dataset classes and the normalisation the
teacher checks compare against), without the optimizer, scheduler and
message-hub state that only resuming needs. Prints the path and the full
16-digit hash. A benchmark whose teacher is published this way can go on
from its committed result file on any machine (``--import-runs``), where a
retrained teacher would differ in its last bits.
"""
from __future__ import annotations

import argparse
import os
import os.path as osp
import sys
from typing import Tuple

import torch

import mmrazor_cpsc  # noqa: F401  (compatibility fixes for loading)
from mmrazor_cpsc.utils.checkpoint import (TeacherCheckpointError,
                                           read_checkpoint, weights_sha256)

# What mmengine's CheckpointHook stores for resuming only.
RESUME_ONLY_META = ('hook_msgs', )


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='checkpoint written by tools/train.py')
    parser.add_argument('dst', help='OUT_DIR/NAME.pth; the hash is appended '
                        'to NAME')
    args = parser.parse_args(argv)
    if not args.dst.endswith('.pth'):
        parser.error(f'dst {args.dst!r} must end in .pth (the hash goes '
                     'before it).')
    return args


def publish(src: str, dst: str) -> Tuple[str, str]:
    """Write SRC's weights and metadata to ``DST-<hash>.pth``; its path and
    the weights' 16-digit hash."""
    state_dict, meta = read_checkpoint(src, 'model')
    meta = {k: v for k, v in meta.items() if k not in RESUME_ONLY_META}
    os.makedirs(osp.dirname(osp.abspath(dst)), exist_ok=True)
    tmp = dst + '.tmp'
    torch.save(dict(state_dict=state_dict, meta=meta), tmp)
    digest = weights_sha256(tmp)
    final = f'{dst[:-len(".pth")]}-{digest[:8]}.pth'
    os.replace(tmp, final)
    return final, digest


def main(argv=None) -> None:
    args = parse_args(argv)
    try:
        path, digest = publish(args.src, args.dst)
    except TeacherCheckpointError as err:
        sys.exit(f'publish_model: {err}')
    print(f'{path}  weights sha256 {digest}')


if __name__ == '__main__':
    main()
