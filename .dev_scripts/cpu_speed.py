"""Time a config with and without the CPU speed settings, side by side.

    python .dev_scripts/cpu_speed.py CONFIG --teacher-ckpt T.pth [--iters 10]
        [--rounds 2] [--batch-size 256] [--out DIR] [--variants NAME ...]
        [--warmup 2] [--cfg-options k=v ...]

The settings are bfloat16 autocast (``CPUAutocastOptimWrapper`` and, for the
generator, ``AutocastModulesHook``), channels-last convolutions
(``ChannelsLastHook``) and ``torch.compile`` (of the networks alone,
``CompileModulesHook``, or of the whole ``train_step``, mmengine's
``compile=True``); none changes what the method computes, only in which
precision, memory layout or kernels. Each variant (by default plain float32,
channels-last, bf16 and both; ``--variants`` picks others, float32 is always
run as the reference) trains ``--iters`` iterations through
``tools/train.py``; the variants run in turn, ``--rounds`` times, so a drift
in machine load hits all of them. Prints (and writes to OUT/cpu_speed.json)
each variant's median seconds per iteration (the first ``--warmup``
iterations of a run are left out: warm-up, and compilation for the compiled
variants) and its speed-up over plain float32.
"""
from __future__ import annotations

import argparse
import json
import os
import os.path as osp
import statistics
import sys
from typing import Optional

from mmrazor_cpsc.benchmark.report import machine
from mmrazor_cpsc.benchmark.runs import prepare_config, run_training

# compile_mode: None, 'modules' (CompileModulesHook) or 'train_step'
# (mmengine's Runner option, which compiles the algorithm's train_step).
VARIANTS = {
    'float32': dict(bf16=False, channels_last=False, compile_mode=None),
    'channels-last': dict(bf16=False, channels_last=True, compile_mode=None),
    'bf16': dict(bf16=True, channels_last=False, compile_mode=None),
    'bf16 + channels-last': dict(bf16=True, channels_last=True,
                                 compile_mode=None),
    'compile': dict(bf16=False, channels_last=False, compile_mode='modules'),
    'channels-last + compile': dict(bf16=False, channels_last=True,
                                    compile_mode='modules'),
    'compile train_step': dict(bf16=False, channels_last=False,
                               compile_mode='train_step'),
    'bf16 + channels-last + compile': dict(bf16=True, channels_last=True,
                                           compile_mode='modules'),
}
DEFAULT_VARIANTS = ('float32', 'channels-last', 'bf16', 'bf16 + channels-last')


def variant_config(config: str, options: dict, teacher_ckpt: str, iters: int,
                   batch_size: int, work_dir: str, bf16: bool,
                   channels_last: bool,
                   compile_mode: Optional[str] = None) -> str:
    cfg, path = prepare_config(config, options, teacher_ckpt, iters,
                               batch_size, 1, 0, work_dir)
    wrappers = [w for k, w in cfg.optim_wrapper.items()
                if isinstance(w, dict) and k != 'constructor']
    if not any(w.get('type') == 'CPUAutocastOptimWrapper' for w in wrappers):
        raise SystemExit(f'cpu_speed: {config} uses no CPUAutocastOptimWrapper'
                         '; nothing to switch.')
    for wrapper in wrappers:
        if wrapper.get('type') == 'CPUAutocastOptimWrapper':
            wrapper['enabled'] = bf16
    hooks = [h for h in cfg.custom_hooks
             if h['type'] not in ('ChannelsLastHook', 'CompileModulesHook')]
    if channels_last:
        hooks.append(dict(type='ChannelsLastHook'))
    if compile_mode == 'modules':
        hooks.append(dict(type='CompileModulesHook'))
    cfg.pop('compile', None)
    if compile_mode == 'train_step':
        cfg.compile = True
    for hook in hooks:
        if hook['type'] == 'AutocastModulesHook':
            hook['enabled'] = bf16
    cfg.custom_hooks = hooks
    cfg.dump(path)
    return path


def main(argv=None) -> None:
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument('config')
    parser.add_argument('--teacher-ckpt', required=True)
    parser.add_argument('--iters', type=int, default=10)
    parser.add_argument('--rounds', type=int, default=2)
    parser.add_argument('--batch-size', type=int, default=256)
    parser.add_argument('--out', default='work_dirs/cpu_speed')
    parser.add_argument('--variants', nargs='+', choices=list(VARIANTS),
                        default=list(DEFAULT_VARIANTS), metavar='NAME',
                        help=f'among {", ".join(VARIANTS)} (float32, the '
                        'reference, is always run)')
    parser.add_argument('--warmup', type=int, default=2,
                        help='first iterations of each run left out')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        default={})
    args = parser.parse_args(argv)
    if args.warmup < 0 or args.iters < args.warmup + 1:
        parser.error(f'--iters must exceed --warmup ({args.warmup} iterations '
                     'of each run are left out as warm-up).')
    if not osp.isfile(args.teacher_ckpt):
        parser.error(f'--teacher-ckpt {args.teacher_ckpt}: no such file.')
    out = osp.abspath(args.out)
    names = ['float32'] + [n for n in dict.fromkeys(args.variants)
                           if n != 'float32']
    times = {name: [] for name in names}
    for round_ in range(args.rounds):
        for name in names:
            switches = VARIANTS[name]
            folder = name.replace(' + ', '_').replace(' ', '_')
            work_dir = osp.join(out, folder, f'round{round_}')
            os.makedirs(work_dir, exist_ok=True)
            path = variant_config(args.config, args.cfg_options,
                                  osp.abspath(args.teacher_ckpt), args.iters,
                                  args.batch_size, work_dir, **switches)
            timeline = run_training(f'{name} round {round_}', path, work_dir)
            measured = timeline['iter_times_s'][args.warmup:]
            times[name] += measured
            print(f'cpu_speed: {name} round {round_}: '
                  f'{statistics.median(measured):.3f} s/iter (first '
                  f'{args.warmup} left out: '
                  f'{timeline["iter_times_s"][:args.warmup]})', flush=True)
    plain = statistics.median(times['float32'])
    result = dict(config=args.config, batch_size=args.batch_size,
                  iters=args.iters, rounds=args.rounds, warmup=args.warmup,
                  variants={
                      name: dict(s_per_iter=statistics.median(t),
                                 speedup=plain / statistics.median(t))
                      for name, t in times.items()},
                  machine=machine())
    with open(osp.join(out, 'cpu_speed.json'), 'w') as f:
        json.dump(result, f, indent=1)
    for name, row in result['variants'].items():
        print(f"{name:>22}: {row['s_per_iter']:.3f} s/iter, "
              f"{row['speedup']:.2f}x", flush=True)


if __name__ == '__main__':
    sys.exit(main())
