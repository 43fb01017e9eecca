"""Time a config with and without the CPU speed settings, side by side.

    python tools/cpu_speed.py CONFIG --teacher-ckpt T.pth [--iters 10]
        [--rounds 2] [--batch-size 256] [--out DIR] [--cfg-options k=v ...]

The settings are bfloat16 autocast (``CPUAutocastOptimWrapper`` and, for the
generator, ``AutocastModulesHook``) and channels-last convolutions
(``ChannelsLastHook``); neither changes what the
method computes, only in which precision and memory layout. Each variant
(plain float32, channels-last, bf16, both) trains ``--iters`` iterations
through ``tools/train.py``; the variants run in turn, ``--rounds`` times, so a
drift in machine load hits all of them. Prints (and writes to
OUT/cpu_speed.json) each variant's median seconds per iteration (the first
two iterations of a run are warm-up and left out) and its speed-up over plain
float32.
"""
from __future__ import annotations

import argparse
import json
import os
import os.path as osp
import statistics
import sys

from benchmark import machine, prepare_config, run_training

VARIANTS = {
    'float32': dict(bf16=False, channels_last=False),
    'channels-last': dict(bf16=False, channels_last=True),
    'bf16': dict(bf16=True, channels_last=False),
    'bf16 + channels-last': dict(bf16=True, channels_last=True),
}


def variant_config(config: str, options: dict, teacher_ckpt: str, iters: int,
                   batch_size: int, work_dir: str, bf16: bool,
                   channels_last: bool) -> str:
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
    hooks = [h for h in cfg.custom_hooks if h['type'] != 'ChannelsLastHook']
    if channels_last:
        hooks.append(dict(type='ChannelsLastHook'))
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
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        default={})
    args = parser.parse_args(argv)
    if args.iters < 3:
        parser.error('--iters must be at least 3 (two are warm-up).')
    if not osp.isfile(args.teacher_ckpt):
        parser.error(f'--teacher-ckpt {args.teacher_ckpt}: no such file.')
    out = osp.abspath(args.out)
    times = {name: [] for name in VARIANTS}
    for round_ in range(args.rounds):
        for name, switches in VARIANTS.items():
            work_dir = osp.join(out, name.replace(' + ', '_'), f'round{round_}')
            os.makedirs(work_dir, exist_ok=True)
            path = variant_config(args.config, args.cfg_options,
                                  osp.abspath(args.teacher_ckpt), args.iters,
                                  args.batch_size, work_dir, **switches)
            timeline = run_training(f'{name} round {round_}', path, work_dir)
            times[name] += timeline['iter_times_s'][2:]
            print(f'cpu_speed: {name} round {round_}: '
                  f'{statistics.median(timeline["iter_times_s"][2:]):.3f} '
                  's/iter', flush=True)
    plain = statistics.median(times['float32'])
    result = dict(config=args.config, batch_size=args.batch_size,
                  iters=args.iters, rounds=args.rounds, variants={
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
