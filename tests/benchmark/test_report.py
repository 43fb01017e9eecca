"""The benchmark's report: per class, per run, machines, curves."""
import pytest

from mmrazor_cpsc.benchmark.report import (agreement_last_fifth, curve_label,
                                           per_class_markdown,
                                           per_run_markdown, results_markdown)


def test_per_class_section_names_the_class_each_method_loses_most():
    reference = dict(teacher_top1_test=80.0, classes=['cat', 'dog', 'ship'],
                     teacher_per_class_test=[70.0, 80.0, 90.0])
    runs = [dict(method='A', seed=0, per_class_test=[60.0, 79.0, 88.0]),
            dict(method='A', seed=1, per_class_test=[62.0, 81.0, 86.0]),
            dict(method='B', seed=0, per_class_test=[70.0, 80.0, 50.0])]
    lines = per_class_markdown(runs, reference)
    assert '| cat | 70.0 | 61.0 | 70.0 |' in lines
    assert lines[-1] == (
        'The class each method loses most against the teacher: A on **cat** '
        '(61.0 vs 70.0, -9.0 points); B on **ship** (50.0 vs 90.0, -40.0 '
        'points).')
    # Older result files without per-class data: no section, no error.
    assert per_class_markdown(
        [dict(method='A', seed=0)], reference) == []
    assert per_class_markdown(runs, dict(teacher_top1_test=1)) == []


def test_runs_finished_on_another_machine_are_named():
    run = dict(top1_test=90.0, top1_final=90.0, top1_best=91.0, iters=10,
               wall_s=1.0, s_per_iter=0.1, peak_rss_mb=500.0)
    runs = [dict(run, method='A', seed=1, machine='here'),
            dict(run, method='A', seed=2, machine='there'),
            dict(run, method='B', seed=1)]  # recorded before machines were
    text = results_markdown(runs, None, 'cmd', '1 min',
                                      machine_text='here')
    assert 'Machine: here' in text
    assert 'Runs on another machine: A seed 2 on there.' in text
    assert 'B seed 1' not in text
    same = results_markdown(runs[:1], None, 'cmd', '1 min',
                                      machine_text='here')
    assert 'another machine' not in same


def test_per_run_rows_show_the_last_checkpoints_cost_and_agreement():
    runs = [dict(method='A', seed=1, top1_test=97.0, top1_final=97.5,
                 top1_best=98.0, teacher_agreement_last_fifth=0.925),
            dict(method='B', seed=1, top1_final=90.0, top1_best=90.0)]
    lines = per_run_markdown(runs)
    assert '| A | 1 | 97.00 | 97.50 | 98.00 | -0.50 | 92.5 % |' in lines
    assert '| B | 1 | - | 90.00 | 90.00 | 0.00 | - |' in lines
    scalars = [dict(iter=i, **{'gen.teacher_agreement': a})
               for i, a in ((10, 0.1), (50, 0.2), (90, 0.8), (100, 0.9))]
    # The last fifth of 100 iterations: 90 and 100.
    assert agreement_last_fifth(scalars) == pytest.approx(0.85)
    assert agreement_last_fifth([dict(iter=5, loss=1.0)]) is None


def test_curve_labels_count_each_methods_own_seeds():
    # A benchmark in progress, its seeds numbered from 1: the legend says
    # how many runs each curve averages, not the highest seed plus one.
    runs = [dict(method='CPSC', seed=1), dict(method='CPSC', seed=2)]
    assert curve_label('CPSC', runs) == 'CPSC (2 seeds)'
    assert curve_label('DFAD', runs[1:]) == 'DFAD (1 seed)'
