"""Train with MMEngine's Runner: teachers, CPSC and any MMRazor algorithm.

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CHECKPOINT]]
        [--amp] [--auto-scale-lr] [--cfg-options key=value ...]
        [--launcher {none,pytorch,slurm,mpi}]
"""
import argparse

import mmrazor_cpsc  # noqa: F401  (compatibility fixes before mmrazor.models)
from mmengine.runner import Runner
from mmrazor.utils import register_all_modules

from mmrazor_cpsc.compat import exit_distributed_cleanly
from mmrazor_cpsc.utils.cli import (check_data_roots, check_load_from,
                                    enable_amp, enable_auto_scale_lr,
                                    errors_as_messages,
                                    find_resumable_checkpoint, load_config,
                                    parse_with_launch_args, resolve_resume,
                                    use_resume_checkpoint)


def parse_args():
    parser = argparse.ArgumentParser(description='Train a model or algorithm')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument('--amp', action='store_true',
                        help='enable automatic mixed precision')
    parser.add_argument('--resume', nargs='?', const='auto', default=None,
                        metavar='CHECKPOINT',
                        help='resume from CHECKPOINT or, without one, from '
                        'the newest complete checkpoint in work_dir')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help="scale the LRs by the total batch size over the "
                        "config's auto_scale_lr.base_batch_size")
    return parse_with_launch_args(parser)


def main():
    args = parse_args()
    register_all_modules(False)
    cfg = load_config(args.config, args.cfg_options, args.work_dir,
                      args.launcher)
    if args.amp:
        enable_amp(cfg)
    if args.auto_scale_lr:
        enable_auto_scale_lr(cfg)
    cfg.resume = args.resume is not None
    if args.resume == 'auto':
        resolve_resume(cfg)
    elif args.resume:
        use_resume_checkpoint(cfg, args.resume)
    else:
        check_load_from(cfg)
    check_data_roots(cfg, ['train', 'val'] if cfg.get('val_cfg') else
                     ['train'])
    runner = Runner.from_cfg(cfg)
    try:
        runner.train()
    except FloatingPointError as err:
        # Raised before the offending update: every saved checkpoint is good.
        last = find_resumable_checkpoint(runner.work_dir)
        raise SystemExit(f'{err}\nLast good checkpoint: {last or "none yet"} '
                         '(resume with --resume after fixing the cause).')


if __name__ == '__main__':
    with exit_distributed_cleanly(), errors_as_messages(
            'tools/train.py'):
        main()
