"""Evaluate a checkpoint on the config's test set.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out-metrics FILE]
        [--cfg-options key=value ...] [--launcher {none,pytorch,slurm,mpi}]
"""
import argparse
import json
import os

import mmrazor_cpsc  # noqa: F401  (compatibility fixes before mmrazor.models)
from mmengine.dist import is_main_process
from mmengine.runner import Runner
from mmrazor.utils import register_all_modules

from mmrazor_cpsc.compat import exit_distributed_cleanly
from mmrazor_cpsc.utils.cli import load_config, parse_with_launch_args


def parse_args():
    parser = argparse.ArgumentParser(description='Test a checkpoint')
    parser.add_argument('config', help='config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the dir to save logs')
    parser.add_argument('--out-metrics', help='write the metrics as JSON here')
    return parse_with_launch_args(parser)


def main():
    args = parse_args()
    register_all_modules(False)
    cfg = load_config(args.config, args.cfg_options, args.work_dir,
                      args.launcher)
    if not os.path.isfile(args.checkpoint):
        raise SystemExit(f'Checkpoint {args.checkpoint!r} does not exist.')
    cfg.load_from = args.checkpoint
    if cfg.model.get('teacher_ckpt'):
        # The checkpoint under test restores every weight, the teacher's
        # included: the original teacher file need not exist here.
        cfg.model.teacher_ckpt = None
    metrics = Runner.from_cfg(cfg).test()
    if args.out_metrics and is_main_process():
        with open(args.out_metrics, 'w', encoding='utf-8') as f:
            json.dump({k: float(v) for k, v in metrics.items()}, f, indent=2)


if __name__ == '__main__':
    with exit_distributed_cleanly():
        main()
