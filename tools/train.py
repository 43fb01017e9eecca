"""Train with MMEngine's Runner: teachers, CPSC and any MMRazor algorithm.

    python tools/train.py CONFIG [--work-dir DIR] [--resume] [--amp]
        [--cfg-options key=value ...] [--launcher {none,pytorch,slurm,mpi}]
"""
import argparse

import mmrazor_cpsc  # noqa: F401  (compatibility fixes before mmrazor.models)
from mmengine.runner import Runner
from mmrazor.utils import register_all_modules

from mmrazor_cpsc.compat import exit_distributed_cleanly
from mmrazor_cpsc.utils.cli import (check_load_from, config_errors_as_messages,
                                    enable_amp, find_resumable_checkpoint,
                                    load_config, parse_with_launch_args,
                                    resolve_resume)


def parse_args():
    parser = argparse.ArgumentParser(description='Train a model or algorithm')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument('--amp', action='store_true',
                        help='enable automatic mixed precision')
    parser.add_argument('--resume', action='store_true',
                        help='resume from the latest checkpoint in work_dir')
    return parse_with_launch_args(parser)


def main():
    args = parse_args()
    register_all_modules(False)
    cfg = load_config(args.config, args.cfg_options, args.work_dir,
                      args.launcher)
    if args.amp:
        enable_amp(cfg)
    cfg.resume = args.resume
    if args.resume:
        resolve_resume(cfg)
    else:
        check_load_from(cfg)
    runner = Runner.from_cfg(cfg)
    try:
        runner.train()
    except FloatingPointError as err:
        # Raised before the offending update: every saved checkpoint is good.
        last = find_resumable_checkpoint(runner.work_dir)
        raise SystemExit(f'{err}\nLast good checkpoint: {last or "none yet"} '
                         '(resume with --resume after fixing the cause).')


if __name__ == '__main__':
    with exit_distributed_cleanly(), config_errors_as_messages(
            'tools/train.py'):
        main()
