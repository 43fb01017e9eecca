"""Evaluate a checkpoint on the config's test set.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out-metrics FILE]
        [--out PREDICTIONS.pkl] [--per-class]
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
from mmrazor_cpsc.utils.cli import (add_per_class_accuracy,
                                    add_prediction_dump,
                                    check_checkpoint_normalization,
                                    check_data_roots, errors_as_messages,
                                    load_config, parse_with_launch_args,
                                    per_class_report)


def parse_args():
    parser = argparse.ArgumentParser(description='Test a checkpoint')
    parser.add_argument('config', help='config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the dir to save logs')
    parser.add_argument('--out-metrics', help='write the metrics as JSON here')
    parser.add_argument('--out', help='dump every prediction to this .pkl '
                        "(mmengine's DumpResults, as mmpretrain's test.py)")
    parser.add_argument('--per-class', action='store_true',
                        help='also measure the accuracy of every class '
                        '(and write the class names with --out-metrics)')
    return parse_with_launch_args(parser)


def main():
    args = parse_args()
    register_all_modules(False)
    cfg = load_config(args.config, args.cfg_options, args.work_dir,
                      args.launcher)
    if not os.path.isfile(args.checkpoint):
        raise SystemExit(f'Checkpoint {args.checkpoint!r} does not exist.')
    check_data_roots(cfg, ['test'])
    check_checkpoint_normalization(cfg, args.checkpoint)
    cfg.load_from = args.checkpoint
    if cfg.model.get('teacher_ckpt'):
        # The checkpoint under test restores every weight, the teacher's
        # included: the original teacher file need not exist here.
        cfg.model.teacher_ckpt = None
    if args.per_class:
        add_per_class_accuracy(cfg)
    if args.out:
        add_prediction_dump(cfg, args.out)
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    classes = list(runner.test_dataloader.dataset.metainfo.get('classes')
                   or [])
    if args.per_class and is_main_process():
        print(per_class_report(metrics, classes), flush=True)
    if args.out_metrics and is_main_process():
        record = {k: (float(v) if isinstance(v, (int, float)) or getattr(
            v, 'ndim', 1) == 0 else [float(x) for x in v])
                  for k, v in metrics.items()}
        if args.per_class:
            record['classes'] = classes
        with open(args.out_metrics, 'w', encoding='utf-8') as f:
            json.dump(record, f, indent=2)


if __name__ == '__main__':
    with exit_distributed_cleanly(), errors_as_messages(
            'tools/test.py'):
        main()
