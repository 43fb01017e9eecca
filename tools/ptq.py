"""Post-training quantization with MMRazor's PTQLoop (MMArchitectureQuant).

    python tools/ptq.py CONFIG [--work-dir DIR] [--cfg-options key=value ...]
        [--launcher {none,pytorch,slurm,mpi}]

The same CLI as tools/train.py, without its training-only --resume / --amp.
mmrazor's PTQLoop is a TestLoop (it runs under ``Runner.test()``), so
tools/train.py, which calls ``Runner.train()``, cannot run it. This tool:

1. initialises the model's weights as ``Runner.train()`` would (the student's
   ``Pretrained`` init_cfg; ``Runner.test()`` skips init_cfg);
2. evaluates the float model on the val set: every fake quantizer and
   observer off (the observers must not see evaluation images);
3. runs the config's PTQLoop: calibration on ``calibrate_dataloader``,
   ``WORK_DIR/TIMESTAMP/model_ptq.pth``, evaluation of the quantized model;
4. writes both results to ``WORK_DIR/TIMESTAMP/ptq_metrics.json``.
"""
import argparse
import json
import os.path as osp

import mmrazor_cpsc  # noqa: F401  (compatibility fixes before mmrazor.models)
from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.runner import Runner
from mmrazor.utils import register_all_modules
from torch.ao.quantization import disable_fake_quant, disable_observer

from mmrazor_cpsc.compat import exit_distributed_cleanly
from mmrazor_cpsc.utils.cli import (errors_as_messages, load_config,
                                    parse_with_launch_args)


def parse_args():
    parser = argparse.ArgumentParser(
        description='Post-training quantization (calibrate, then evaluate)')
    parser.add_argument('config', help='PTQ config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    return parse_with_launch_args(parser)


class FloatBaselineHook(Hook):
    """Evaluates the float model when PTQLoop starts, before calibration."""

    def __init__(self):
        self.metrics = None

    def before_test(self, runner) -> None:
        runner.model.apply(disable_observer)
        runner.model.apply(disable_fake_quant)
        print_log('Evaluating the float model (fake quantization and '
                  'observers off)...', logger='current')
        self.metrics = runner.val_loop.run()


def main():
    args = parse_args()
    register_all_modules(False)
    cfg = load_config(args.config, args.cfg_options, args.work_dir,
                      args.launcher)
    if 'PTQLoop' not in str(cfg.get('test_cfg', {}).get('type')):
        raise SystemExit(f'{args.config}: test_cfg is not a PTQLoop; '
                         'train with tools/train.py, test with tools/test.py.')
    if cfg.get('train_cfg') is None:
        # PTQLoop saves through Runner.save_checkpoint, which reads the train
        # loop (counters, dataset meta): give the runner one that never runs.
        cfg.train_dataloader = cfg.test_cfg.calibrate_dataloader
        cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=0)
        cfg.optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.))

    runner = Runner.from_cfg(cfg)
    # What Runner.train() does before loading `load_from`; Runner.test()
    # does not, and the student's weights come from its init_cfg.
    runner._init_model_weights()
    baseline = FloatBaselineHook()
    runner.register_hook(baseline, priority='LOWEST')
    quantized = runner.test()

    summary = {'float': baseline.metrics, 'quantized': quantized}
    for name, metrics in summary.items():
        print_log(f'{name} model: ' + ', '.join(
            f'{k}: {v:.4f}' for k, v in metrics.items()), logger='current')
    if is_main_process():
        path = osp.join(runner.log_dir, 'ptq_metrics.json')
        with open(path, 'w', encoding='utf-8') as f:
            json.dump({name: {k: float(v) for k, v in metrics.items()}
                       for name, metrics in summary.items()}, f, indent=2)
        print_log(f'Metrics written to {path}', logger='current')


if __name__ == '__main__':
    with exit_distributed_cleanly(), errors_as_messages(
            'tools/ptq.py'):
        main()
