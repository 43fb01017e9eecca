"""Both students of one run trained with mmengine's EMAHook, on one split.

    python .dev_scripts/evaluate_ema_pair.py CONFIG CHECKPOINT
        [--split val|test] [--out FILE.json] [--cfg-options k=v ...]

A checkpoint saved under ``EMAHook`` holds two students: ``state_dict`` is
the moving average (what validation, tools/test.py and the export use) and
``ema_state_dict`` the raw weights, keys prefixed ``module.`` (the hook
swaps them at saving). Both come from one training trajectory, so their
difference is the EMA's effect with no seed noise in it: the ablation row
of issue 32. ``--split val`` (the default) evaluates on the config's
validation set, where a choice may be made; ``--split test`` on its test
set, for reporting only.

Prints ``raw`` and ``ema`` top-1 (%); ``--out`` writes them as JSON.
"""
from __future__ import annotations

import argparse
import json
import os.path as osp
import tempfile
from typing import Dict, List, Optional

import torch

import mmrazor_cpsc  # noqa: F401  (compatibility fixes before mmrazor.models)

METRIC = 'accuracy/top1'
EMA_PREFIX = 'module.'


def split_ema_checkpoint(checkpoint: str,
                         out_dir: str) -> Dict[str, str]:
    """Write the raw and the averaged weights of CHECKPOINT as two plain
    checkpoints in OUT_DIR; returns their paths by name."""
    ckpt = torch.load(checkpoint, map_location='cpu', weights_only=False)
    if 'ema_state_dict' not in ckpt:
        raise SystemExit(f'{checkpoint} holds no ema_state_dict: it was not '
                         "saved under mmengine's EMAHook.")
    raw = {key[len(EMA_PREFIX):]: value
           for key, value in ckpt['ema_state_dict'].items()
           if key.startswith(EMA_PREFIX)}
    paths = {}
    for name, state in (('raw', raw), ('ema', ckpt['state_dict'])):
        paths[name] = osp.join(out_dir, f'{name}.pth')
        torch.save(dict(state_dict=state, meta=ckpt.get('meta', {})),
                   paths[name])
    return paths


def evaluate(config: str, checkpoint: str, split: str, work_dir: str,
             options: Optional[Dict] = None) -> float:
    """Top-1 (%) of CHECKPOINT on CONFIG's SPLIT, through the Runner, with
    the config's hooks minus the EMAHook (the weights are already chosen)."""
    from mmengine.runner import Runner
    from mmrazor.utils import register_all_modules

    from mmrazor_cpsc.utils.cli import load_config
    register_all_modules(False)
    cfg = load_config(config, options, work_dir)
    cfg.custom_hooks = [hook for hook in cfg.get('custom_hooks', [])
                        if hook['type'] != 'EMAHook']
    if split == 'val':
        cfg.test_dataloader = cfg.val_dataloader
        cfg.test_evaluator = cfg.val_evaluator
    cfg.load_from = checkpoint
    cfg.model.teacher_ckpt = None
    cfg.experiment_name = f'evaluate_{osp.basename(checkpoint)}'
    return float(Runner.from_cfg(cfg).test()[METRIC])


def main(argv: Optional[List[str]] = None) -> Dict[str, float]:
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--split', choices=('val', 'test'), default='val')
    parser.add_argument('--out', help='write the two top-1 as JSON here')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        paths = split_ema_checkpoint(args.checkpoint, tmp)
        top1 = {name: evaluate(args.config, path, args.split,
                               osp.join(tmp, name), args.cfg_options)
                for name, path in paths.items()}
    for name, value in top1.items():
        print(f'{name}: top-1 {value:.2f} % on the {args.split} split')
    if args.out:
        with open(args.out, 'w', encoding='utf-8') as f:
            json.dump(dict(top1, split=args.split,
                           checkpoint=args.checkpoint), f, indent=1)
    return top1


if __name__ == '__main__':
    main()
