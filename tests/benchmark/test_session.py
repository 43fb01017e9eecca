"""A benchmark session through the real tool: a budget of seconds, two
methods, resumed in steps, every override reaching the references.

The seed-major order of runs is tested on its own in test_runs.py
(pending_jobs); each process here costs seconds of imports, so this test
starts as few as cover the session's paths."""
import datetime
import glob
import json
import os
import re
import statistics

import pytest
import torch
from conftest import (TEACHER_CONFIG, load_script, mnist_val_options,
                      run_tool)
from mmengine.config import Config
from mmpretrain.registry import MODELS as PRETRAIN_MODELS
from PIL import Image

CONFIGS = ['configs/cpsc/cpsc_lenet5bn_lenet5half_mnist.py',
           'configs/baselines/dafl_lenet5bn_lenet5half_mnist.py']
MINUTES = 0.02  # 1.2 seconds of training per run


@pytest.fixture
def teacher_file(tmp_path):
    torch.manual_seed(0)
    teacher = PRETRAIN_MODELS.build(Config.fromfile(TEACHER_CONFIG).model)
    path = tmp_path / 'teacher.pth'
    torch.save(teacher.state_dict(), path)
    return os.fspath(path)


def calibrated_iters(out, name: str) -> int:
    """What the calibration run of NAME says fits in the budget: its median
    s/iter after two warm-up iterations (no head start in these configs)."""
    times = json.loads((out / 'calibration' / name / 'timeline.json')
                       .read_text())['iter_times_s']
    return max(1, int(MINUTES * 60 / statistics.median(times[2:] or times)))


def test_seconds_budget_resumed_in_steps(tmp_path, fake_mnist_root,
                                         teacher_file, capsys):
    out = tmp_path / 'bench'
    # A teacher of other data, as a user's would be: its normalisation
    # must reach the teacher's test, not only the methods' runs.
    argv = ['--configs', *CONFIGS, '--minutes', str(MINUTES),
            '--calibration-iters', '4', '--seeds', '1', '--val-points', '2',
            '--batch-size', '20', '--bare-iters', '2', '--teacher-ckpt',
            teacher_file, '--out', os.fspath(out), '--cfg-options',
            *mnist_val_options(fake_mnist_root),
            'val_dataloader.batch_size=20',
            f'test_dataloader.dataset.data_root={fake_mnist_root}',
            'model.data_preprocessor.mean=[40.5]',
            'train_cfg.max_iters=7']
    def bench(*extra):
        return run_tool('benchmark', *argv, *extra)


    # The tool as a script once; then in this process (the same code
    # without another interpreter's start-up).
    tool = load_script('tools', 'benchmark')

    def bench_here(*extra) -> str:
        capsys.readouterr()
        tool.main([*argv, *extra])
        return capsys.readouterr().out

    # 1. The end of a session comes first: both methods are timed and the
    # references measured, but no run fits before --stop-by.
    soon = datetime.datetime.now() + datetime.timedelta(minutes=2)
    result = bench('--stop-by', f'{soon:%H:%M}')
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-3000:]
    assert 'timing CPSC' in log and 'timing DAFL' in log
    assert 'stopping before CPSC seed 0' in log and '0 of 2 runs done' in log
    info = json.loads((out / 'benchmark.json').read_text())
    iters = {name: calibrated_iters(out, name) for name in ('CPSC', 'DAFL')}
    assert info['iters'] == iters
    assert '--stop-by' not in info['command']  # a session flag
    # Every override that exists in the teacher's config reached its test;
    # an iteration budget has no place in its epoch-based config, and the
    # log says so. (The benchmark sets every run's own iterations.)
    reference = json.loads((out / 'references.json').read_text())
    applied = reference['cfg_options']['teacher']
    assert applied['applied']['model.data_preprocessor.mean'] == [40.5]
    assert applied['not_applied'] == ['train_cfg.max_iters']
    assert re.search(r'warning: --cfg-options train_cfg\.max_iters '
                     r'cannot apply to the teacher', log)
    dumped = glob.glob(os.fspath(out / 'references' / 'teacher' / 'test' /
                                 '**' / 'lenet5_bn_mnist.py'),
                       recursive=True)
    assert dumped, 'tools/test.py dumped no config'
    assert Config.fromfile(dumped[0]).model.data_preprocessor.mean == [40.5]
    assert len(reference['teacher_per_class_test']) == 10

    # 2. Resumed for one method: the calibration is kept, and only that
    # method's run trains, with the iterations its calibration gave.
    log = bench_here('--resume', '--only', 'DAFL')
    assert 'resuming' in log and 'timing' not in log
    assert '[1/2] DAFL seed 0' in log and 'CPSC seed 0,' not in log
    # 3. Resumed again: the finished run is kept, the missing one trains.
    log = bench_here('--resume')
    assert 'resuming' in log and '1 finished runs kept' in log
    assert '[2/2] CPSC seed 0' in log and 'DAFL seed 0,' not in log
    runs = json.loads((out / 'results.json').read_text())
    assert [(r['method'], r['seed']) for r in runs] == [('DAFL', 0),
                                                        ('CPSC', 0)]
    for run in runs:
        assert run['iters'] == iters[run['method']]
        assert run['curve'][-1]['iter'] == run['iters']
        assert 0 <= run['top1_final'] <= run['top1_best'] <= 100
        assert 0 <= run['top1_test'] <= 100
        assert len(run['per_class_test']) == 10
        assert run['peak_rss_mb'] > 100  # torch alone is bigger than that
        # Only CPSC's generator is conditional: its agreement and grid.
        assert ('teacher_agreement_last_fifth' in run) == (
            run['method'] == 'CPSC')
        assert ('generator_grid' in run) == (run['method'] == 'CPSC')
    with Image.open(out / runs[1]['generator_grid']) as grid:
        assert grid.width == grid.height > 100  # ten rows of ten
    # Each run's config carries the benchmark's settings and overrides.
    cfg = Config.fromfile(out / 'runs' / 'DAFL' / 'seed0' / 'config.py')
    assert cfg.model.teachers.lenet5.ckpt_path == teacher_file
    assert cfg.model.data_preprocessor.mean == [40.5]
    assert cfg.train_dataloader.batch_size == 20
    overhead = json.loads((out / 'overhead.json').read_text())
    assert overhead['method'] == 'CPSC' and overhead['ratio'] > 0
    table = (out / 'results.md').read_text()
    assert '| CPSC | 1 |' in table and '| DAFL | 1 |' in table
    assert 'References on the same test set: teacher' in table
    assert 'Framework overhead' in table
    assert (out / 'curves.png').stat().st_size > 10_000

    # 4. OUT lost, its collected file kept: a new OUT imports the runs,
    # calibration and references, and trains nothing.
    results_tables = _results_tables()
    bundle = results_tables.collect_benchmark(os.fspath(out))
    collected = tmp_path / 'collected.json'
    collected.write_text(json.dumps(bundle))
    argv[argv.index('--out') + 1] = os.fspath(tmp_path / 'again')
    log = bench_here('--import-runs', os.fspath(collected))
    assert 'imported 2 finished runs' in log
    assert 'timing' not in log and '[1/' not in log
    again = json.loads((tmp_path / 'again' / 'results.json').read_text())
    assert [(r['method'], r['seed'], r['top1_test']) for r in again] == [
        (r['method'], r['seed'], r['top1_test']) for r in runs]


def _results_tables():
    return load_script('.dev_scripts', 'results_tables')
