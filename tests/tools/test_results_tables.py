"""Every generated block in the READMEs matches its committed result file,
and a hand-edited number in a block is caught."""
import json
import os.path as osp
import sys

from conftest import REPO

sys.path.insert(0, osp.join(REPO, 'tools'))
import results_tables  # noqa: E402


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
