"""Benchmark data-free distillation methods at one budget, through the Runner.

    python tools/benchmark.py --minutes 10 --seeds 3 --out work_dirs/bench
    python tools/benchmark.py --iters 600 --seeds 3 --out work_dirs/bench \
        --teacher-ckpt work_dirs/demo/teacher/epoch_4.pth
    python tools/benchmark.py --suite cifar10 --minutes 30 --seeds 2 \
        --out work_dirs/bench_cifar10 \
        --tuned work_dirs/tune_cifar10/tuning.json
    python tools/benchmark.py --report-only --out work_dirs/bench

Every method of the suite (CPSC and MMRazor's DAFL, DFAD and ZSKT; ``mnist``:
the LeNet-5-BN -> LeNet-5-half pair, ``cifar10``: WRN-16-2 -> WRN-16-1) is
trained by ``tools/train.py`` with the same teacher checkpoint, batch size
and budget, once per seed, validated ``--val-points`` times on the config's
validation set, and its last checkpoint evaluated once on the test set (the
reported accuracy; nothing is chosen on it). ``--minutes M`` gives every
method the iterations that fit in M minutes (fractions of a minute too) by a
short calibration run per method. Runs go seed-major; ``--resume`` continues
an interrupted benchmark, ``--stop-by HH:MM`` starts no run that would end
later, ``--import-runs FILE`` continues a collected benchmark in a new OUT.
Every --cfg-options override reaches every config the benchmark runs, the
teacher's test and the real-data student included where the key exists in
their configs (references.json records which did).

Writes to --out: results.json (one object per method and seed), results.md,
curves.png, overhead.json (the bare-loop timings, in a checkout), runs/
(each run's config, logs, checkpoints, timeline and, for CPSC, its
generator grid), benchmark.json (command, budget, settings) and
references.json (teacher and real-data student on the test set). The logic
lives in :mod:`mmrazor_cpsc.benchmark`.
"""
import argparse
import os.path as osp
import sys

import mmrazor_cpsc.benchmark.session as session
from mmrazor_cpsc.benchmark.budget import stop_time
from mmrazor_cpsc.benchmark.report import report_only
from mmrazor_cpsc.benchmark.suites import SUITES


def parse_args(argv=None) -> argparse.Namespace:
    """The command line, checked (see session.check_benchmark_args)."""
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument('--suite', choices=sorted(SUITES), default='mnist',
                        help='pair, data and default configs (default: '
                        '%(default)s)')
    parser.add_argument('--configs', nargs='+', default=None,
                        help="method configs (default: the suite's CPSC, "
                        'DAFL, DFAD and ZSKT)')
    parser.add_argument('--tuned', default=None,
                        help='JSON of per-method options, {"METHOD": '
                        '{"key": value}} (tools/tune.py writes it)')
    parser.add_argument('--tuned-as', default=None, metavar='METHOD',
                        help='with --tuned: give every config without tuned '
                        "options of its own METHOD's (variants of one tuned "
                        'method, e.g. CPSC with one change each)')
    parser.add_argument('--names', nargs='+', default=None,
                        help='method names, one per config (default: the '
                        "config file's first word, upper-cased)")
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument('--iters', type=int, help='iterations per run')
    budget.add_argument('--minutes', type=float,
                        help='minutes of training per run')
    parser.add_argument('--seeds', type=int, default=1,
                        help='runs per method, seeds K..K+N-1 (K: '
                        '--first-seed)')
    parser.add_argument('--first-seed', type=int, default=None,
                        help='first seed (default: 0, or with --tuned the '
                        "one after the tuning's seed, so no reported run "
                        'is a run the tuning selected)')
    parser.add_argument('--out', required=True, help='output directory')
    parser.add_argument('--teacher-ckpt', default=None,
                        help='teacher checkpoint for every method (default: '
                        'train the MNIST teacher into OUT/teacher)')
    parser.add_argument('--batch-size', type=int, default=256)
    parser.add_argument('--val-points', type=int, default=5,
                        help='validations per run (the accuracy curve)')
    parser.add_argument('--calibration-iters', type=int, default=20,
                        help='iterations timed per method for --minutes')
    parser.add_argument('--bare-iters', type=int, default=20,
                        help='timed iterations of the bare PyTorch loop '
                        '(0 skips it)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        default={}, help='overrides applied to every config')
    parser.add_argument('--resume', action='store_true',
                        help='continue the benchmark in OUT: keep its '
                        'calibration and finished runs, run the rest')
    parser.add_argument('--recalibrate', nargs='+', default=[],
                        metavar='METHOD',
                        help='with --resume and --minutes: time METHOD again '
                        '(alone, --calibration-iters iterations) and rerun '
                        'its seeds with the new iteration count; its runs at '
                        'the first count are set aside (runs_first_timing/) '
                        'and the report says so')
    parser.add_argument('--import-runs', default=None, metavar='FILE',
                        help='start OUT from the finished runs of a '
                        'collected benchmark (docs/results/*.json) with the '
                        'same settings and teacher weights; only the '
                        'missing runs train')
    parser.add_argument('--only', nargs='+', default=None, metavar='NAME',
                        help='with --resume: train only the missing runs of '
                        'these methods (e.g. more seeds of the finalists of '
                        'a variants benchmark); the others keep the runs '
                        'they have')
    parser.add_argument('--stop-by', default=None, metavar='HH:MM',
                        type=stop_time,
                        help='start no run that would not finish by this '
                        'local time (e.g. the end of a session); the same '
                        'command with --resume continues where it stopped')
    parser.add_argument('--report-only', action='store_true',
                        help='train nothing: rewrite results.md and '
                        'curves.png from OUT/results.json')
    args = parser.parse_args(argv)
    session.check_benchmark_args(parser, args)
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.report_only:
        report_only(osp.abspath(args.out))
        return
    session.run_benchmark(args, list(sys.argv[1:] if argv is None else argv))


if __name__ == '__main__':
    main()
