"""Tune every method of a benchmark suite with the same budget (Optuna).

    python tools/tune.py configs/tuning/cifar10_search_spaces.py \
        --trials 6 --minutes 2 --out work_dirs/tune_cifar10 \
        [--teacher-ckpt T.pth] [--methods CPSC DAFL] [--cfg-options k=v ...]
    python tools/tune.py SPACES --report-only --out DIR

SPACES (a config file) names the suite and, per method, its config and its
own key knobs. Each method gets ``--trials`` trial configurations: trial 0 is
the config as shipped, the others are drawn by Optuna's TPE sampler (seeded).
Methods take turns (every method's trial 0, then every trial 1, ...), so a
tuning cut off at any point has given every method the same effort, give or
take one trial.
With fewer than ten trials TPE samples at random (its start-up phase), so
a short tuning is a seeded random search around the shipped config.
A trial is timed for ``--calibration-iters`` iterations, given as many
iterations as fit in ``--minutes`` (so its schedules complete), trained
through ``tools/train.py`` with seed 0 and scored by its last validation
top-1: the held-out training images of the suite's configs, never the test
set. The study is stored in OUT/optuna.db, so the same command continues an
interrupted tuning where it stopped. ``--import-trials FILE`` starts a new
OUT from the finished trials of an earlier tuning.json (e.g. the committed
docs/results/cifar10_tuning.json) when its optuna.db is gone, provided it
ran at the same budget over the same spaces; only the missing trials run.
tuning.json is rewritten after every trial, so a tuning cut off mid-method
keeps what it finished (such a method has no ``best_options`` yet).

Writes to --out:
  tuning.json  per method: the space, every trial (options, iterations,
               s/iter, validation top-1) and the best trial; ``best_options``
               per method, which ``tools/benchmark.py --tuned`` applies
  tuning.md    one table of trials per method

The logic lives in :mod:`mmrazor_cpsc.benchmark.tuning`.
"""
import argparse
import sys

from mmrazor_cpsc.benchmark.budget import stop_time
from mmrazor_cpsc.benchmark.tuning import check_tune_args, run_tuning


def parse_args(argv=None) -> argparse.Namespace:
    """The command line, checked (see tuning.check_tune_args)."""
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument('spaces', help='search-space config (configs/tuning/)')
    parser.add_argument('--out', required=True, help='output directory')
    parser.add_argument('--trials', type=int, default=6,
                        help='trial configurations per method, the shipped '
                        'config included (default: %(default)s)')
    parser.add_argument('--minutes', type=float, default=2.0,
                        help='training minutes per trial (default: '
                        '%(default)s)')
    parser.add_argument('--methods', nargs='+', default=None,
                        help='tune only these methods (default: all)')
    parser.add_argument('--teacher-ckpt', default=None,
                        help="teacher for every trial (default: the suite's, "
                        'trained into OUT/teacher when missing)')
    parser.add_argument('--batch-size', type=int, default=256)
    parser.add_argument('--calibration-iters', type=int, default=6)
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the sampler and of every trial')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        default={}, help='overrides applied to every trial')
    parser.add_argument('--import-trials', default=None, metavar='FILE',
                        help='seed the study with the finished trials of an '
                        'earlier tuning.json at the same budget')
    parser.add_argument('--import-speed-tolerance', type=float, default=1.25,
                        help='largest ratio between the s/iter of an '
                        "imported trial and this machine's on the same "
                        'config (run-to-run noise is ~10 %%; default: '
                        '%(default)s)')
    parser.add_argument('--stop-by', default=None, metavar='HH:MM',
                        type=stop_time,
                        help='start no trial that would not finish by this '
                        'local time (e.g. the end of a session); the same '
                        'command later continues where it stopped')
    parser.add_argument('--report-only', action='store_true',
                        help='rewrite tuning.md from OUT/tuning.json')
    args = parser.parse_args(argv)
    check_tune_args(parser, args)
    return args


def main(argv=None) -> None:
    run_tuning(parse_args(argv), list(sys.argv[1:] if argv is None else argv))


if __name__ == '__main__':
    main()
