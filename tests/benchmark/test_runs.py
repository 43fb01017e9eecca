"""A run's config and tools, the state kept between sessions (resume,
import, appended methods) and the bare-loop reference."""
import json
import os
import os.path as osp

import pytest
from conftest import REPO
from mmengine.config import Config

from mmrazor_cpsc.benchmark.runs import (added_methods, bare_loop_models,
                                         draw_generator_grid, import_runs,
                                         pending_jobs,
                                         prepare_config, recorded_command,
                                         resumed_budget)

CONFIGS = ['configs/cpsc/cpsc_lenet5bn_lenet5half_mnist.py',
           'configs/baselines/dafl_lenet5bn_lenet5half_mnist.py']


def test_the_recorded_command_reproduces_the_results_not_the_session():
    argv = ['--suite', 'cifar10', '--minutes', '45', '--resume', '--stop-by',
            '17:42', '--out', 'work dir', '--stop-by=18:00']
    assert recorded_command('benchmark', argv) == (
        "python tools/benchmark.py --suite cifar10 --minutes 45 --out "
        "'work dir'")
    # --only takes every name up to the next option, and only those.
    argv = ['--iters', '955', '--only', 'RAMP-FADE', 'RAMP-X20-FADE',
            '--seeds', '3', '--only=CPSC', '--names', 'A', 'B']
    assert recorded_command('benchmark', argv) == (
        'python tools/benchmark.py --iters 955 --seeds 3 --names A B')


def test_only_the_missing_runs_of_the_named_methods_are_pending():
    jobs = [(name, f'{name}.py', seed) for seed in (1, 2, 3)
            for name in ('CPSC', 'RAMP', 'FADE')]
    runs = [dict(method=name, seed=1) for name in ('CPSC', 'RAMP', 'FADE')]
    runs.append(dict(method='FADE', seed=2))
    assert pending_jobs(jobs, runs) == [
        ('CPSC', 'CPSC.py', 2), ('RAMP', 'RAMP.py', 2),
        ('CPSC', 'CPSC.py', 3), ('RAMP', 'RAMP.py', 3), ('FADE', 'FADE.py', 3)]
    assert pending_jobs(jobs, runs, ['RAMP', 'FADE']) == [
        ('RAMP', 'RAMP.py', 2), ('RAMP', 'RAMP.py', 3), ('FADE', 'FADE.py', 3)]


def test_a_grid_that_cannot_be_drawn_costs_a_warning_not_the_run(
        tmp_path, capsys):
    work_dir = tmp_path / 'runs' / 'CPSC' / 'seed0'
    work_dir.mkdir(parents=True)
    grid = draw_generator_grid(
        osp.join(REPO, CONFIGS[0]), os.fspath(work_dir / 'iter_9.pth'),
        os.fspath(work_dir), os.fspath(tmp_path))
    assert grid is None
    assert 'kept without its grid' in capsys.readouterr().out
    assert 'iter_9.pth' in (work_dir / 'grid.log').read_text()


def test_methods_may_be_appended_to_a_fixed_iteration_budget():
    before = dict(configs=['a.py', 'b.py'], names=['A', 'B'], iters=955,
                  minutes=None, batch_size=256)
    now = dict(before, configs=['a.py', 'b.py', 'c.py'],
               names=['A', 'B', 'C'])
    assert added_methods(before, now) == ['C']
    assert added_methods(before, before) == []
    # Anything else changed, or the kept methods reordered: not an append.
    assert added_methods(before, dict(now, batch_size=128)) == []
    assert added_methods(before, dict(
        now, configs=['b.py', 'a.py', 'c.py'], names=['B', 'A', 'C'])) == []
    assert added_methods(before, dict(
        now, configs=['a.py', 'x.py', 'c.py'])) == []


def test_appended_methods_may_bring_their_own_tuned_options():
    # --tuned-as CPSC gives each appended variant CPSC's tuned options.
    tuned = {'CPSC': {'lr': 0.03}, 'A': {'lr': 0.03}}
    before = dict(configs=['a.py'], names=['A'], iters=955,
                  tuned_options=tuned)
    now = dict(before, configs=['a.py', 'c.py'], names=['A', 'C'],
               tuned_options=dict(tuned, C={'lr': 0.03}))
    assert added_methods(before, now) == ['C']
    # A kept method's options changed, or options for a method not
    # appended: the kept runs would not be comparable.
    moved = dict(now, tuned_options=dict(now['tuned_options'],
                                         A={'lr': 0.1}))
    assert added_methods(before, moved) == []
    stranger = dict(now, tuned_options=dict(now['tuned_options'],
                                            X={'lr': 0.1}))
    assert added_methods(before, stranger) == []


def test_a_resumed_fixed_budget_takes_appended_methods_at_that_budget():
    settings = dict(configs=['a.py'], names=['A'], iters=955, minutes=None)
    info = dict(settings=settings, iters={'A': 955}, budget='955 iterations',
                command='python tools/benchmark.py --configs a.py --iters 955')
    now = dict(settings, configs=['a.py', 'b.py'], names=['A', 'B'])
    argv = ['--configs', 'a.py', 'b.py', '--iters', '955', '--resume']
    iters, command, added = resumed_budget(info, now, 955, argv,
                                                     'OUT')
    assert iters == {'A': 955, 'B': 955} and added == ['B']
    # The reported command reproduces every run in a fresh --out.
    assert command == ('python tools/benchmark.py --configs a.py b.py '
                       '--iters 955')
    # Nothing appended: the benchmark's own record stands.
    assert resumed_budget(info, settings, 955, argv, 'OUT') == (
        info['iters'], info['command'], [])
    with pytest.raises(SystemExit, match='batch_size differ'):
        resumed_budget(info, dict(settings, batch_size=8), 955,
                                 argv, 'OUT')
    timed = dict(info, settings=dict(settings, iters=None, minutes=10))
    with pytest.raises(SystemExit, match='cannot append B to the timed'):
        resumed_budget(timed, dict(now, iters=None, minutes=10),
                                 None, argv, 'OUT')


def test_only_configs_the_bare_loop_computes_are_its_reference(capsys):
    shipped = Config.fromfile(osp.join(REPO, CONFIGS[0]))
    assert bare_loop_models('CPSC', shipped)
    variant = Config.fromfile(osp.join(
        REPO, 'configs', 'cpsc', 'variants',
        'cpsc_lenet5bn_lenet5half_mnist_gen-ce-ramp.py'))
    assert not bare_loop_models('RAMP', variant)
    assert ('no bare-loop reference for RAMP: the loop does not model '
            'custom_hooks: LossWeightScheduleHook') in capsys.readouterr().out
    assert not bare_loop_models(
        'DAFL', Config.fromfile(osp.join(REPO, CONFIGS[1])))


def test_a_parse_time_knob_in_the_options_is_refused(tmp_path):
    # Accepted, it would change nothing in the dumped config of every run.
    with pytest.raises(SystemExit, match='mnist_root is a value the config '
                       'copied'):
        prepare_config(CONFIGS[0], {'mnist_root': '/my/data'},
                                 'teacher.pth', 4, 16, 2, 0,
                                 os.fspath(tmp_path))


def test_runs_of_another_teacher_are_not_imported(tmp_path):
    bundle = dict(runs=[], iters={}, budget='1 minute', command='x',
                  settings=dict(iters=5),  # collected: no path
                  teacher_sha256='0' * 16)
    path = tmp_path / 'collected.json'
    path.write_text(json.dumps(bundle))
    settings = dict(iters=5, teacher_ckpt='here.pth')
    with pytest.raises(SystemExit, match='distilled a teacher with weights '
                       '0000'):
        import_runs(os.fspath(path), settings, '1' * 16, os.fspath(tmp_path))
    with pytest.raises(SystemExit, match='iters differ'):
        import_runs(os.fspath(path), dict(settings, iters=6), '0' * 16,
                    os.fspath(tmp_path))
    assert import_runs(os.fspath(path), settings, '0' * 16,
                       os.fspath(tmp_path))['budget'] == '1 minute'
    assert json.loads((tmp_path / 'references.json').read_text()) == dict(
        teacher_ckpt='here.pth')
