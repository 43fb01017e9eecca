"""Every generated block in the READMEs matches its committed result file,
and a hand-edited number in a block is caught."""
import json
import os
import os.path as osp

import pytest
from conftest import REPO, load_script



results_tables = load_script('.dev_scripts', 'results_tables')


def test_every_readme_block_matches_its_result_file(capsys):
    assert results_tables.main(['check']) == 0, capsys.readouterr().err


def test_a_hand_edited_number_is_caught(tmp_path):
    speed = dict(config='configs/x.py', batch_size=256, iters=6, rounds=1,
                 variants={'float32': dict(s_per_iter=4.0, speedup=1.0),
                           'bf16': dict(s_per_iter=2.0, speedup=2.0)})
    source = tmp_path / 'speed.json'
    source.write_text(json.dumps(speed))
    block = f'<!-- results: cpu_speed {source} -->\nold\n<!-- /results -->'
    text = f'# Doc\n\n{block}\n\nprose 4.000 stays\n'
    fresh = results_tables.rendered(text, 'doc')
    assert '| bf16 | 2.000 | 2.00x |' in fresh and 'old' not in fresh
    assert fresh.endswith('prose 4.000 stays\n')
    assert results_tables.rendered(fresh, 'doc') == fresh  # stable
    tampered = fresh.replace('| 2.000 |', '| 1.900 |')
    assert results_tables.rendered(tampered, 'doc') == fresh
    # Where bf16 pays off depends on the CPU: the table names its machine.
    assert 'Machine: 2 CPU cores (X)' in results_tables.render_speed(
        dict(speed, machine='2 CPU cores (X)'))


def test_a_number_quoted_without_a_result_file_is_caught():
    known = results_tables._numbers_in(
        dict(top1=98.523, agreement=0.254, speed=dict(ratio=1.84)), set())
    text = ('CPSC reached 98.52 % with 25.4 % agreement, 1.84x faster.\n'
            'torch 2.14.1, `lr 0.0277` in code, v1.2.\n'
            '<!-- results: demo docs/results/x.json -->\n77.77\n'
            '<!-- /results -->\n')
    assert results_tables.unsourced_numbers(text, known) == []
    typed = text.replace('98.52 %', '98.62 %').replace('1.84x', '1.9x')
    assert [f.split(' in:')[0] for f in results_tables.unsourced_numbers(
        typed, known)] == ['98.62', '1.9']
    # Every number the documents quote is in a committed result file (the
    # suite's check runs this on the real documents).
    documents = results_tables.sourced_documents()
    assert osp.join(REPO, 'configs', 'cpsc', 'README.md') in documents
    for path in documents:
        with open(path) as f:
            assert results_tables.unsourced_numbers(
                f.read(), results_tables.sourced_numbers()) == [], path


def test_prose_rounding_and_references_are_not_flagged():
    known = results_tables._numbers_in(
        dict(top1=39.25, distance=7.849999, lr=0.0019578), set())
    text = ('DFAD 39.3 %, distance 7.85, generator LR 0.002 or 0.00196.\n'
            '[the paper](https://arxiv.org/abs/2510.03375)\n'
            '### 4.1 Pruning\n')
    assert results_tables.unsourced_numbers(text, known) == []
    assert [f.split(' in:')[0] for f in results_tables.unsourced_numbers(
        'DFAD 39.4 %, LR 0.0021', known)] == ['39.4', '0.0021']


def test_hand_copied_numbers_stay_only_in_labelled_historical_blocks():
    labelled = ('<!-- historical -->\n> **Historical record** (2026-11-25, '
                'by hand).\n\n| run | top-1 |\n| a | 97.62 |\n'
                '<!-- /historical -->\n')
    assert results_tables.unsourced_numbers(labelled, set()) == []
    assert results_tables.unlabelled_historical_blocks(labelled) == []
    unlabelled = labelled.replace('> **Historical record**', 'Measured')
    assert results_tables.unlabelled_historical_blocks(unlabelled) == [
        'Measured (2026-11-25, by hand).']
    # Outside the block the same number is caught.
    outside = labelled + 'later prose quotes 97.62 again\n'
    assert [f.split(' in:')[0] for f in results_tables.unsourced_numbers(
        outside, set())] == ['97.62']


def test_benchmark_summary_holds_what_prose_may_quote():
    run = dict(top1_final=97.0, top1_best=97.5, top1_test=98.0)
    runs = [dict(run, method='CPSC', seed=1, teacher_agreement_last_fifth=.5),
            dict(run, method='CPSC', seed=2, top1_test=99.0, top1_final=97.5,
                 teacher_agreement_last_fifth=.7),
            dict(run, method='DAFL', seed=1, top1_test=90.0)]
    summary = results_tables.benchmark_summary(runs, teacher_top1=99.0)
    cpsc = summary['methods']['CPSC']
    assert cpsc['top1_test_mean'] == pytest.approx(98.5)
    assert cpsc['top1_final_mean'] == pytest.approx(97.25)
    assert cpsc['top1_best_mean'] == pytest.approx(97.5)
    assert cpsc['top1_test_percent_of_teacher'] == pytest.approx(
        100 * 98.5 / 99.0)
    assert 'top1_test_percent_of_teacher' not in \
        results_tables.benchmark_summary(runs)['methods']['CPSC']
    assert cpsc['worst_final_minus_best'] == pytest.approx(-0.5)
    assert cpsc['teacher_agreement_last_fifth_mean'] == pytest.approx(0.6)
    assert 'teacher_agreement_last_fifth_mean' not in summary['methods'][
        'DAFL']
    assert summary['lead_of'] == 'CPSC'
    assert summary['lead'] == {'DAFL': pytest.approx(8.5)}


def test_benchmark_block_is_the_benchmark_report(tmp_path):
    run = dict(method='CPSC', seed=0, iters=10, top1_test=50.0,
               top1_final=51.0, top1_best=52.0, wall_s=60.0,
               s_per_iter=6.0, peak_rss_mb=1000.0, curve=[])
    data = dict(command='python tools/benchmark.py', budget='1 minute',
                machine='2 CPU cores', runs=[run, dict(run, seed=1,
                                                       top1_test=52.0)],
                references=dict(teacher_top1_test=90.0,
                                real_data_student_top1_test=85.0))
    text = results_tables.render_benchmark(data)
    assert '| CPSC | 2 | 51.00 ± 1.41 | 51.00 ± 0.00 |' in text
    assert 'teacher 90.00, student trained on the real data 85.00' in text
    assert 'Machine: 2 CPU cores' in text


def _variant_run(root, name, agreements, val, test=None, order=0,
                 **record):
    run = root / name
    (run / '20260101_000000' / 'vis_data').mkdir(parents=True)
    (run / 'variant.json').write_text(json.dumps(dict(
        name=name, description=f'{name} change', order=order,
        config='configs/cpsc/x.py', options=[], **record)))
    lines = [dict(iter=50 * (i + 1), step=50 * (i + 1),
                  **{'gen.teacher_agreement': a})
             for i, a in enumerate(agreements)]
    lines += [{'accuracy/top1': t, 'step': 100 * (i + 1)}
              for i, t in enumerate(val)]
    (run / '20260101_000000' / 'vis_data' / 'scalars.json').write_text(
        '\n'.join(json.dumps(line) for line in lines) + '\n')
    if test is not None:
        (run / 'test_metrics.json').write_text(json.dumps({
            'accuracy/top1': test, 'classes': ['a', 'b'],
            'single-label/recall_classwise': [test - 1, test + 1]}))


def test_variants_are_collected_from_their_runs_and_rendered(tmp_path):
    # 10 logged points up to iteration 500: the last fifth is 450 and 500.
    _variant_run(tmp_path, 'paper', [0.1] * 8 + [0.5, 0.7], [10.0, 30.0,
                                                             20.0], test=21.5)
    _variant_run(tmp_path, 'diverse', [0.2] * 10, [15.0, 25.0], test=26.0,
                 order=-1, schedule='no warm-up')
    _variant_run(tmp_path, 'running', [0.2] * 3, [12.0])  # not tested yet
    data = results_tables.collect_variants(os.fspath(tmp_path))
    first, second = data['variants']  # the untested run is left out
    assert first['name'] == 'diverse'
    assert second['teacher_agreement_last_fifth'] == pytest.approx(0.6)
    assert (second['val_final'], second['val_best']) == (20.0, 30.0)
    assert second['per_class_test'] == [20.5, 22.5]
    text = results_tables.render_variants(data)
    # A record without a schedule ran the shipped one.
    assert ('| paper | paper change | warm-up x cosine | 20.00 | 30.00 | '
            '60.0 % | 21.50 |') in text
    assert ('| diverse | diverse change | no warm-up | 25.00 | 25.00 | '
            '20.0 % | 26.00 |') in text


def test_a_retimed_budget_is_stated_under_the_table(tmp_path):
    run = dict(method='ZSKT', seed=0, iters=245, top1_test=30.0,
               top1_final=30.0, top1_best=31.0, wall_s=700.0,
               s_per_iter=2.9, peak_rss_mb=1000, curve=[])
    (tmp_path / 'benchmark.json').write_text(json.dumps(dict(
        command='python tools/benchmark.py', budget='12 minutes',
        iters=dict(ZSKT=245), recalibrated=dict(ZSKT=dict(
            first=74, now=245, why='first timing ran beside another job')))))
    (tmp_path / 'results.json').write_text(json.dumps([run]))
    data = results_tables.collect_benchmark(os.fspath(tmp_path))
    text = results_tables.render_benchmark(data)
    assert ('ZSKT: iterations timed again alone (74 -> 245): first timing '
            'ran beside another job.') in text


def test_probes_are_collected_with_their_feature_timeline(tmp_path):
    for name, seed, stu, timeline in (
            ('dead', 0, [18.0], [(10, 0.25), (20, 1.0)]),
            ('head start', 1, [], None)):  # stopped before the student began
        run = tmp_path / name
        (run / '1' / 'vis_data').mkdir(parents=True)
        (run / 'variant.json').write_text(json.dumps(dict(
            name=name, description=f'{name} change', seed=seed,
            command='python tools/train.py x.py')))
        lines = [{'gen.loss': 1.0, 'iter': 19, 'step': 19}]
        lines += [{'gen.loss': 1.0, 'stu.loss_ikd': v, 'iter': 38, 'step': 38}
                  for v in stu]
        lines += [{'accuracy/top1': 10.0, 'step': 30}]
        (run / '1' / 'vis_data' / 'scalars.json').write_text(
            '\n'.join(json.dumps(line) for line in lines) + '\n')
        if timeline:
            (run / 'features_timeline.json').write_text(json.dumps([
                dict(checkpoint=f'{run}/iter_{i}.pth', top1_eval_bn=10.0,
                     zero_feature_fraction=z) for i, z in timeline]))
    data = results_tables.collect_probes(os.fspath(tmp_path))
    dead, head_start = data['probes']
    assert dead['last_stu_loss_ikd'] == dict(iter=38, value=18.0)
    assert head_start['last_stu_loss_ikd'] is None
    assert head_start['iters_logged'] == 19
    text = results_tables.render_probes(data)
    assert ('| dead | dead change | 0 | 38 | 10.00 (30) | 18.00 (iteration '
            '38) |') in text
    assert '| head start | head start change | 1 | 19 | 10.00 (30) | - |' \
        in text
    assert '| dead | 25.0 % | 100.0 % |' in text
    assert 'head start |' not in text.split('by checkpoint')[1]


def test_metafile_results_come_from_the_benchmark_file(tmp_path):
    source = tmp_path / 'bench.json'
    source.write_text(json.dumps(dict(
        command='python tools/benchmark.py --suite cifar10 --minutes 12',
        budget='12 minutes of training, batch 256',
        runs=[dict(method='CPSC', seed=1, top1_test=60.0),
              dict(method='CPSC', seed=2, top1_test=61.0),
              dict(method='DFAD', seed=1, top1_test=50.0)])))
    text = ('Models:\n'
            '  - Name: cpsc_x\n'
            f'    # results: benchmark {source} CPSC\n'
            '    Results:\n'
            '      - Task: Image Classification\n'
            '        Dataset: CIFAR-10\n'
            '        Metrics:\n'
            '          Top 1 Accuracy: 99.99\n'  # edited by hand
            '    # /results\n'
            '  - Name: other\n')
    new = results_tables.rendered_metafile(text, 'metafile.yml')
    assert 'Top 1 Accuracy: 60.50' in new and '99.99' not in new
    assert '    # mean of 2 seed(s); 12 minutes of training' in new
    assert '        Dataset: CIFAR-10\n' in new
    assert new.endswith('    # /results\n  - Name: other\n')
    # Regenerating is stable, so `check` passes on a rendered file.
    assert results_tables.rendered_metafile(new, 'metafile.yml') == new
    import yaml
    model = yaml.safe_load(new)['Models'][0]
    assert model['Results'][0]['Metrics']['Top 1 Accuracy'] == 60.5
    with pytest.raises(SystemExit, match='no ZSKT runs'):
        results_tables.rendered_metafile(
            text.replace(' CPSC\n', ' ZSKT\n'), 'metafile.yml')
    assert 'best_options' not in new
    # A tuned benchmark's Results say the config ran with tuned options.
    tuned = json.loads(source.read_text())
    tuned['command'] += ' --tuned docs/results/cifar10_tuning.json'
    source.write_text(json.dumps(tuned))
    new = results_tables.rendered_metafile(text, 'metafile.yml')
    assert ("    # with this method's best_options in "
            'docs/results/cifar10_tuning.json (tools/benchmark.py --tuned)'
            in new)
    assert yaml.safe_load(new)['Models'][0]['Results'][0]['Metrics'][
        'Top 1 Accuracy'] == 60.5


def test_tuning_trials_carry_their_teacher_agreement(tmp_path):
    def trial(number, top1):
        return dict(number=number, values=dict(lr=0.1 * (number + 1)),
                    options={}, iters=100, wall_s=60.0, top1_val=top1)
    tuning = dict(command='python tools/tune.py x', suite='cifar10',
                  trials=2, minutes=10, seed=0, batch_size=256,
                  methods=dict(
                      CPSC=dict(config='c.py', space=dict(lr={}),
                                trials=[trial(0, 30.0), trial(1, 60.0)],
                                best=trial(1, 60.0)),
                      DFAD=dict(config='d.py', space=dict(lr={}),
                                trials=[trial(0, 40.0)],
                                best=trial(0, 40.0))),
                  best_options={})
    (tmp_path / 'tuning.json').write_text(json.dumps(tuning))
    # CPSC's runs log the generator's agreement with the asked class;
    # trial 0's run is gone, DFAD's generator has no class to agree with.
    for name, number, agreements in (('CPSC', 1, [0.9] * 8 + [0.2, 0.4]),
                                     ('DFAD', 0, [])):
        logs = tmp_path / 'trials' / name / f'trial{number}' / '1' / \
            'vis_data'
        logs.mkdir(parents=True)
        lines = [{'iter': 10 * (i + 1), 'gen.loss': 1.0,
                  'gen.teacher_agreement': a}
                 for i, a in enumerate(agreements)] or [{'iter': 10,
                                                         'gen.loss': 1.0}]
        (logs / 'scalars.json').write_text(
            '\n'.join(json.dumps(line) for line in lines) + '\n')
    data = results_tables.collect_tuning(os.fspath(tmp_path))
    cpsc = data['methods']['CPSC']
    assert cpsc['trials'][1]['teacher_agreement_last_fifth'] == \
        pytest.approx(0.3)
    assert 'teacher_agreement_last_fifth' not in cpsc['trials'][0]
    assert 'wall_s' not in cpsc['trials'][1]
    text = results_tables.RENDERERS['tuning'](data)
    assert '| 0 | 0.1 | 100 | - | 30.00 |' in text
    assert '| 1 **(best)** | 0.2 | 100 | 30.0 % | 60.00 |' in text
    # No agreement column for a method that logged none; a method whose
    # trials are not all done yet has a best so far, not a best.
    assert '| 0 **(best so far)** | 0.1 | 100 | 40.00 |' in text
    assert '**DFAD** (`d.py`, 1 of 2 trials finished so far)' in text


def test_demo_numbers_come_from_the_demo_record(tmp_path):
    (tmp_path / 'demo.json').write_text(json.dumps(dict(
        teacher_top1=99.281, student_top1=97.789, teacher_minutes=0.62,
        student_minutes=5.04, total_minutes=8.8,
        grid='Teacher classifies 60.0% of the 100 images as their row class.',
        refined_grid='Teacher classifies 99.0% of the 100 images.',
        deployed=dict(images=100, correct=98,
                      example="0.png -> '7 - seven'",
                      onnx_max_abs_diff=4.8e-06), cfg_options=[])))
    data = results_tables.collect_demo(os.fspath(tmp_path))
    assert len(data['date']) == 10
    text = results_tables.render_demo(data)
    assert '| 99.28 % | 0.6 min incl. data |' in text
    assert '| **97.79 %** | 5.0 min |' in text
    assert 'names 98 of 100 test digits' in text
    assert 'at most 4.8e-06' in text
    assert '(1,000 iterations)' in text and 'After the refinement' in text
    # A demo without --refine, on a budget of its own, says both.
    data.update(iters=400, refined_grid=None, machine='2 CPU cores (X)')
    text = results_tables.render_demo(data)
    assert '(400 iterations)' in text and 'After the refinement' not in text
    assert 'on 2 CPU cores (X) by `make demo`' in text


def test_numbers_no_prose_quotes_do_not_break_the_check():
    known = results_tables._numbers_in(
        dict(loss=float('inf'), nan=float('nan'), big=10**400, top1=97.5),
        set())
    assert '97.5' in known
    # A section number is not a measurement; a number heading a section is.
    assert results_tables.unsourced_numbers('### 4.1 Pruning\n', set()) == []
    assert [f.split(' in:')[0] for f in results_tables.unsourced_numbers(
        '## 97.6 % top-1\n', known)] == ['97.6']


def test_demo_budget_sweep_table():
    text = results_tables.render_demo_iterations(dict(
        date='2026-12-07', machine='2 CPU cores (X)', runs=[
            dict(iters=300, top1_val_final=98.14, s_per_iter_median=0.671),
            dict(iters=400, top1_val_final=98.3, s_per_iter_median=0.602)]))
    assert '| 300 | 98.14 % | 0.67 |' in text
    assert '| 400 | 98.30 % | 0.60 |' in text


def test_ablation_rows_come_from_their_benchmark_files():
    spec = dict(protocol='P', rows=[
        dict(method='CPSC', lever='none', name='CPSC',
             benchmark='docs/results/cifar10_benchmark_epyc.json'),
        dict(method='CPSC', lever='bank', name='CPSC-REPLAY',
             benchmark='docs/results/cifar10_replay_cpsc.json')])
    text = results_tables.render_ablation(spec)
    bench = results_tables._read(osp.join(
        REPO, 'docs/results/cifar10_replay_cpsc.json'))
    run = bench['runs'][0]
    assert f"| CPSC | bank | {run['seed']} | {run['iters']} |" in text
    assert f"{run['top1_test']:.2f} |" in text
    spec['rows'][1]['name'] = 'MISSING'
    with pytest.raises(SystemExit, match='no MISSING runs'):
        results_tables.render_ablation(spec)


def test_an_ablation_row_of_raw_weights_reads_its_pairs(tmp_path):
    bench = 'docs/results/cifar10_replay_cpsc.json'
    run = results_tables._read(osp.join(REPO, bench))['runs'][0]
    pairs = tmp_path / 'pairs.json'
    pairs.write_text(json.dumps(dict(runs=[dict(
        name='CPSC-REPLAY', seed=run['seed'], split='val', raw=12.345,
        ema=50.0)])))
    spec = dict(protocol='P', rows=[dict(
        method='CPSC', lever='raw', name='CPSC-REPLAY', benchmark=bench,
        pairs=os.fspath(pairs))])
    text = results_tables.render_ablation(spec)
    assert '| 12.35 | - (validation only) |' in text
    pairs.write_text(json.dumps(dict(runs=[])))
    with pytest.raises(SystemExit, match='no validation pair of CPSC-REPLAY'):
        results_tables.render_ablation(spec)
