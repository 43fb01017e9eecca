"""One source for every published number: result files -> README tables.

    python .dev_scripts/results_tables.py collect-benchmark \
        work_dirs/bench_mnist docs/results/mnist_benchmark.json
    python .dev_scripts/results_tables.py collect-tuning \
        work_dirs/tune_cifar10 docs/results/cifar10_tuning.json
    python .dev_scripts/results_tables.py collect-speed \
        work_dirs/cpu_speed_cifar10 docs/results/cifar10_cpu_speed.json
    python .dev_scripts/results_tables.py collect-variants \
        work_dirs/variants research/results/cifar10_cpsc_variants.json
    python .dev_scripts/results_tables.py collect-probes \
        work_dirs/probes2 research/results/cifar10_collapse_probes.json
    python .dev_scripts/results_tables.py collect-demo \
        work_dirs/demo docs/results/mnist_demo.json
    python .dev_scripts/results_tables.py render  # rewrite every block
    python .dev_scripts/results_tables.py check   # exit 1 if one is stale

``collect-*`` copies what a benchmark, tools/tune.py or
.dev_scripts/cpu_speed.py recorded into one committed JSON file: under
docs/results/ for the product's published results, under research/results/
for the research log's. A markdown file (README.md, configs/*/README.md,
docs/**/*.md, research/**/*.md) carries generated blocks between

    <!-- results: KIND FILE -->
    ...
    <!-- /results -->

where KIND is ``benchmark``, ``tuning``, ``cpu_speed``, ``variants``,
``probes``, ``demo``, ``ablation`` (rows naming methods of benchmark
files, one lever each) or ``profile`` (.dev_scripts/profile_iteration.py)
and FILE a result file's path from the repository
root (docs/results/... or research/results/...). A metafile
(configs/*/metafile.yml) carries a model's ``Results`` between
``# results: benchmark FILE METHOD`` and ``# /results`` lines: METHOD's
mean top-1 on the test set over the benchmark's seeds. ``collect-variants`` reads every sub-folder of OUT
that holds a ``variant.json`` (name, description, config, options: what the
run was) and a ``test_metrics.json`` (tools/test.py --per-class on the last
checkpoint), with the run's mmengine scalars. ``render`` regenerates each
block from its file; ``check`` (run by the test suite) fails when a block
differs from what its file gives, so no number in a marked block can be
edited by hand or go stale; it also fails when a document (README.md,
configs/*/README.md, docs/**/*.md, research/**/*.md) quotes, outside its
blocks, a decimal number, percentage or ratio that no committed result file
(docs/results/*.json, research/results/*.json) holds (numbers published
elsewhere: docs/results/published.json, with their sources).
Numbers measured by hand before result files existed may stay only inside a
``<!-- historical -->`` block whose first line tells the reader so
(``> **Historical record ...``). The check is a net, not a proof: a number
counts as sourced when any result file holds it (so a mistyped accuracy
that happens to equal another number passes), and numbers written as words
are not read; the generated blocks are what is exact. ``collect-probes`` reads the same
``variant.json`` from short runs stopped early on purpose (no test
checkpoint): how far each got, its validation points and its student's
logit distance when it stopped.
"""
from __future__ import annotations

import argparse
import decimal
import glob
import json
import math
import os.path as osp
import re
import sys
from typing import Callable, Dict, List, Optional

from mmrazor_cpsc.benchmark.report import (agreement_last_fifth,
                                           latest_scalars, results_markdown,
                                           tuning_markdown)

# The repository this script belongs to (it is not shipped in the wheel).
REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))

BLOCK = re.compile(r'(<!-- results: (\w+) (\S+) -->\n)(.*?)(<!-- /results -->)',
                   re.S)
# In a metafile: the Results of one model, from one method of a benchmark.
YAML_BLOCK = re.compile(
    r'^([ \t]*)(# results: benchmark (\S+) (\S+)\n)(.*?)(^[ \t]*# /results\n)',
    re.S | re.M)
# Generated blocks may live in any of these (``**``: any depth).
DOCUMENTS = ['README.md', 'configs/*/README.md', 'docs/**/*.md',
             'research/**/*.md']
METAFILES = ['configs/*/metafile.yml']
DATASETS = {'mnist': 'MNIST', 'cifar10': 'CIFAR-10'}


def _read(path: str):
    with open(path) as f:
        return json.load(f)


def _write(data, path: str) -> None:
    with open(path, 'w') as f:
        json.dump(data, f, indent=1)
        f.write('\n')


def collect_benchmark(out: str) -> Dict:
    info = _read(osp.join(out, 'benchmark.json'))
    bundle = dict(command=info['command'], budget=info['budget'],
                  machine=info.get('machine'), iters=info['iters'],
                  runs=_read(osp.join(out, 'results.json')))
    # Runs from before benchmark.py recorded the agreement: from their logs.
    for run in bundle['runs']:
        if 'teacher_agreement_last_fifth' not in run:
            agreement = agreement_last_fifth(latest_scalars(osp.join(
                out, 'runs', run['method'], f"seed{run['seed']}")))
            if agreement is not None:
                run['teacher_agreement_last_fifth'] = agreement
    # What benchmark.py --import-runs checks before continuing it elsewhere
    # (the teacher's path means nothing on another machine; its hash does).
    if 'settings' in info:
        bundle['settings'] = {k: v for k, v in info['settings'].items()
                              if k != 'teacher_ckpt'}
    if 'teacher_sha256' in info:
        bundle['teacher_sha256'] = info['teacher_sha256']
    # A method whose budget was timed again (its first timing ran beside
    # another job) says so in the table.
    if info.get('recalibrated'):
        bundle['recalibrated'] = info['recalibrated']
    for name in ('references', 'overhead'):
        path = osp.join(out, f'{name}.json')
        if osp.isfile(path):
            bundle[name] = _read(path)
    # Paths on the machine that ran it mean nothing in the repository.
    bundle.get('references', {}).pop('teacher_ckpt', None)
    for run in bundle['runs']:
        run.pop('generator_grid', None)
    bundle['summary'] = benchmark_summary(
        bundle['runs'],
        bundle.get('references', {}).get('teacher_top1_test'))
    return bundle


def benchmark_summary(runs: List[Dict],
                      teacher_top1: Optional[float] = None) -> Dict:
    """Per method, the figures prose may quote (README numbers must come
    from a result file): mean and std of the test top-1 over seeds, the
    mean final and best validation top-1, the worst final-minus-best
    validation gap of any seed, the mean teacher agreement where logged,
    and with TEACHER_TOP1 the mean test top-1 as a percentage of the
    teacher's; and the first method's lead in mean test top-1 over each
    other method (negative: behind)."""
    import statistics
    methods = list(dict.fromkeys(r['method'] for r in runs))
    summary: Dict = dict(methods={})
    for method in methods:
        rows = [r for r in runs if r['method'] == method]
        test = [r['top1_test'] for r in rows]
        record = dict(
            seeds=len(rows), top1_test_mean=statistics.mean(test),
            top1_test_std=statistics.stdev(test) if len(test) > 1 else 0.0,
            top1_final_mean=statistics.mean(r['top1_final'] for r in rows),
            top1_best_mean=statistics.mean(r['top1_best'] for r in rows),
            worst_final_minus_best=min(r['top1_final'] - r['top1_best']
                                       for r in rows))
        if teacher_top1:
            record['top1_test_percent_of_teacher'] = (
                100 * record['top1_test_mean'] / teacher_top1)
        agreement = [r['teacher_agreement_last_fifth'] for r in rows
                     if 'teacher_agreement_last_fifth' in r]
        if agreement:
            record['teacher_agreement_last_fifth_mean'] = statistics.mean(
                agreement)
        summary['methods'][method] = record
    first = summary['methods'][methods[0]]['top1_test_mean']
    summary['lead_of'] = methods[0]
    summary['lead'] = {m: first - summary['methods'][m]['top1_test_mean']
                       for m in methods[1:]}
    return summary


def collect_tuning(out: str) -> Dict:
    """tools/tune.py's tuning.json, with each trial's teacher agreement
    (the conditional generator's, over its last fifth) from its run."""
    tuning = _read(osp.join(out, 'tuning.json'))
    for name, method in tuning['methods'].items():
        for trial in method['trials'] + [method['best']]:
            trial.pop('wall_s', None)
            run = osp.join(out, 'trials', name, f"trial{trial['number']}")
            if glob.glob(osp.join(run, '*', 'vis_data', 'scalars.json')):
                agreement = agreement_last_fifth(_latest_scalars(run))
                if agreement is not None:
                    trial['teacher_agreement_last_fifth'] = agreement
    return tuning


def collect_demo(out: str) -> Dict:
    """tools/run_demo.py's demo.json, dated by when it was written."""
    import datetime
    path = osp.join(out, 'demo.json')
    data = _read(path)
    data['date'] = datetime.date.fromtimestamp(
        osp.getmtime(path)).isoformat()
    return data


def render_demo(data: Dict) -> str:
    deployed = data['deployed']
    iters = data.get('iters', 1000)
    refined = (f" After the refinement (`--refine`): "
               f"{' '.join(data['refined_grid'].split())}"
               if data.get('refined_grid') else '')
    where = data.get('machine') or '2 CPU cores'
    return '\n'.join([
        f"Measured {data['date']} on {where} by `make demo`; "
        'both models on the real MNIST test set (10,000 images):', '',
        '| model | trained on | top-1 | time |', '|---|---|---|---|',
        '| LeNet-5-BN teacher | real MNIST less the 5,000 held-out validation '
        f"images, 4 epochs | {data['teacher_top1']:.2f} % | "
        f"{data['teacher_minutes']:.1f} min incl. data |",
        '| LeNet-5-half student, CPSC-DFKD | nothing but the teacher '
        f"({iters:,} iterations) | **{data['student_top1']:.2f} %** | "
        f"{data['student_minutes']:.1f} min |", '',
        f"End to end (with the grid and the deployment checks) "
        f"{data['total_minutes']:.1f} min. CPSC's grid: "
        f"{' '.join(data['grid'].split())}{refined}", '',
        "Deployed: mmpretrain's `ImageClassificationInferencer` with the "
        f"exported student names {deployed['correct']} of "
        f"{deployed['images']} test digits saved as PNG files correctly "
        f"(e.g. {deployed['example']}); its ONNX export differs from "
        f"PyTorch by at most {deployed['onnx_max_abs_diff']:.1e}.", ''])


def render_demo_iterations(data: Dict) -> str:
    """The demo-budget sweep: validation top-1 per CPSC iteration count."""
    lines = [f"Measured {data['date']} ({data['machine']}), one run each:",
             '', '| CPSC iterations | top-1 validation | s/iter (median) |',
             '|---|---|---|']
    lines += [f"| {run['iters']} | {run['top1_val_final']:.2f} % | "
              f"{run['s_per_iter_median']:.2f} |" for run in data['runs']]
    return '\n'.join(lines + [''])


def collect_speed(out: str) -> Dict:
    return _read(osp.join(out, 'cpu_speed.json'))


def _latest_scalars(run_dir: str) -> List[Dict]:
    """The mmengine scalar log of the run's latest start in RUN_DIR."""
    scalars = latest_scalars(run_dir)
    if not scalars:
        raise SystemExit(f'results_tables: no vis_data/scalars.json in '
                         f'{run_dir}.')
    return scalars


def collect_variant(run_dir: str) -> Dict:
    """One variant run: what it was, its validation curve, the teacher's
    agreement with the conditioning labels over its last fifth, and its
    last checkpoint on the test set."""
    variant = _read(osp.join(run_dir, 'variant.json'))
    scalars = _latest_scalars(run_dir)
    val = [(r['step'], r['accuracy/top1']) for r in scalars
           if 'accuracy/top1' in r]
    agreement = agreement_last_fifth(scalars)
    if not val or agreement is None:
        raise SystemExit(f'results_tables: {run_dir} logged no validation '
                         'accuracy or no gen.teacher_agreement.')
    iters = max(r['iter'] for r in scalars if 'gen.teacher_agreement' in r)
    record = dict(variant, iters=iters,
                  val_curve=[dict(iter=i, top1=t) for i, t in val],
                  val_final=val[-1][1], val_best=max(t for _, t in val),
                  teacher_agreement_last_fifth=agreement)
    metrics = _read(osp.join(run_dir, 'test_metrics.json'))
    record['top1_test'] = metrics['accuracy/top1']
    if 'single-label/recall_classwise' in metrics:
        record['per_class_test'] = metrics['single-label/recall_classwise']
        record['classes'] = metrics['classes']
    return record


def collect_variants(out: str) -> Dict:
    runs = sorted(osp.dirname(p) for p in glob.glob(
        osp.join(out, '*', 'variant.json')))
    # A variant is reported once its last checkpoint has been tested.
    finished = [run for run in runs
                if osp.isfile(osp.join(run, 'test_metrics.json'))]
    for run in sorted(set(runs) - set(finished)):
        print(f'results_tables: {run} has no test_metrics.json (not '
              'finished or not tested yet); left out.')
    if not finished:
        raise SystemExit(f'results_tables: no */variant.json with a tested '
                         f'run in {out}.')
    variants = [collect_variant(run) for run in finished]
    variants.sort(key=lambda v: (v.get('order', 0), v['name']))
    return dict(variants=variants)


def collect_probes(out: str) -> Dict:
    """Short diagnostic runs, stopped early: validation only, never test."""
    probes = []
    for run in sorted(osp.dirname(p) for p in glob.glob(
            osp.join(out, '*', 'variant.json'))):
        scalars = _latest_scalars(run)
        train = [r for r in scalars if 'gen.loss' in r]
        student = [r for r in train if 'stu.loss_ikd' in r]
        if not train:
            raise SystemExit(f'results_tables: {run} logged no training.')
        features = osp.join(run, 'features_timeline.json')
        timeline = ([dict(iter=int(re.search(r'iter_(\d+)',
                                             r['checkpoint']).group(1)),
                          top1_real=r['top1_eval_bn'],
                          zero_feature_fraction=r['zero_feature_fraction'])
                     for r in _read(features)]
                    if osp.isfile(features) else None)
        probes.append(dict(
            _read(osp.join(run, 'variant.json')),
            feature_timeline=timeline,
            iters_logged=max(r['iter'] for r in train),
            val_points=[dict(iter=r['step'], top1=r['accuracy/top1'])
                        for r in scalars if 'accuracy/top1' in r],
            last_stu_loss_ikd=(dict(iter=student[-1]['iter'],
                                    value=student[-1]['stu.loss_ikd'])
                               if student else None)))
    if not probes:
        raise SystemExit(f'results_tables: no */variant.json in {out}.')
    probes.sort(key=lambda v: (v.get('order', 0), v['name']))
    return dict(probes=probes)


def render_probes(data: Dict) -> str:
    lines = ['| probe | what changes | seed | iterations logged | validation '
             'top-1 (iteration) | student L_IKD term, last logged |',
             '|---|---|---|---|---|---|']
    for p in data['probes']:
        val = ', '.join(f"{v['top1']:.2f} ({v['iter']})"
                        for v in p['val_points']) or '-'
        ikd = p['last_stu_loss_ikd']
        ikd = f"{ikd['value']:.2f} (iteration {ikd['iter']})" if ikd else '-'
        lines.append(f"| {p['name']} | {p['description']} | {p['seed']} | "
                     f"{p['iters_logged']} | {val} | {ikd} |")
    timelines = [p for p in data['probes'] if p.get('feature_timeline')]
    if timelines:
        iters = sorted({t['iter'] for p in timelines
                        for t in p['feature_timeline']})
        lines += ['', 'Student pooled features that are exactly 0 on '
                  'validation images, by checkpoint (`.dev_scripts/'
                  'student_features.py`, 500 images):', '',
                  '| probe | ' + ' | '.join(f'iter {i}' for i in iters) + ' |',
                  '|---|' + '---|' * len(iters)]
        for p in timelines:
            by_iter = {t['iter']: t['zero_feature_fraction']
                       for t in p['feature_timeline']}
            lines.append(f"| {p['name']} | " + ' | '.join(
                f'{100 * by_iter[i]:.1f} %' if i in by_iter else '-'
                for i in iters) + ' |')
    return '\n'.join(lines) + '\n'


# What a variant record without a ``schedule`` ran: the shipped student LR.
SHIPPED_SCHEDULE = 'warm-up x cosine'


def render_variants(data: Dict) -> str:
    lines = ['| variant | what changes | student LR | validation final '
             '| validation best | teacher agreement, last fifth '
             '| top-1 test (last checkpoint) |',
             '|---|---|---|---|---|---|---|']
    for v in data['variants']:
        lines.append(
            f"| {v['name']} | {v['description']} | "
            f"{v.get('schedule', SHIPPED_SCHEDULE)} | {v['val_final']:.2f} | "
            f"{v['val_best']:.2f} | "
            f"{100 * v['teacher_agreement_last_fifth']:.1f} % | "
            f"{v['top1_test']:.2f} |")
    return '\n'.join(lines) + '\n'


def render_benchmark(data: Dict) -> str:
    text = results_markdown(data['runs'], data.get('overhead'),
                            data['command'], data['budget'],
                            data.get('references'), data.get('machine'))
    for method, record in sorted(data.get('recalibrated', {}).items()):
        text += (f"\n{method}: iterations timed again alone ({record['first']}"
                 f" -> {record['now']}): {record['why']}.\n")
    return text


def render_speed(data: Dict) -> str:
    warmup = data.get('warmup', 2)  # files before --warmup left out two
    lines = [f"`{data['config']}`, batch {data['batch_size']}, "
             f"{data['iters']} iterations x {data['rounds']} round(s) per "
             'variant, variants in turn (median s/iter, first '
             f"{'two' if warmup == 2 else warmup} iterations left out):", '',
             '| variant | s/iter | speed-up over float32 |', '|---|---|---|']
    for name, row in data['variants'].items():
        lines.append(f"| {name} | {row['s_per_iter']:.3f} | "
                     f"{row['speedup']:.2f}x |")
    if data.get('machine'):
        lines += ['', f"Machine: {data['machine']}"]
    return '\n'.join(lines) + '\n'


def _mean_std(values: List[float]) -> str:
    mean = sum(values) / len(values)
    if len(values) < 2:
        return f'{mean:.2f}'
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))
    return f'{mean:.2f} ± {std:.2f}'


def render_ablation(data: Dict) -> str:
    """A lever-by-lever table from benchmark result files: each row names a
    method's runs in one of them (``benchmark``, ``name``), so every number
    is the benchmark's own (s/iter: the median of the runs' medians).

    A row with ``pairs`` (a file of .dev_scripts/evaluate_ema_pair.py
    results, ``{"runs": [{"name", "seed", "raw", "ema", "split"}]}``) shows
    the raw weights of runs trained with an EMA: their validation top-1
    from that file, and no test number (the test set saw the average)."""
    lines = [data['protocol'], '',
             '| method | lever | seeds | iterations | s/iter | '
             'peak RSS (MB) | validation final | top-1 test |',
             '|---|---|---|---|---|---|---|---|']
    for row in data['rows']:
        bench = _read(osp.join(REPO, row['benchmark']))
        runs = [r for r in bench['runs'] if r['method'] == row['name']]
        if not runs:
            raise SystemExit(f"results_tables: no {row['name']} runs in "
                             f"{row['benchmark']}.")
        speeds = sorted(r['s_per_iter'] for r in runs)
        speed = (speeds[(len(speeds) - 1) // 2] + speeds[len(speeds) // 2]) / 2
        validation = _mean_std([r['top1_final'] for r in runs])
        test = _mean_std([r['top1_test'] for r in runs])
        if row.get('pairs'):
            validation = _mean_std(_raw_validation(row, runs))
            test = '- (validation only)'
        lines.append(
            f"| {row['method']} | {row['lever']} | "
            f"{', '.join(str(r['seed']) for r in runs)} | "
            f"{runs[0]['iters']} | {speed:.3f} | "
            f"{max(r['peak_rss_mb'] for r in runs):.0f} | "
            f"{validation} | {test} |")
    sources = sorted({row['benchmark'] for row in data['rows']})
    lines += ['', 'From ' + ', '.join(f'`{s}`' for s in sources) + '.']
    return '\n'.join(lines) + '\n'


def _raw_validation(row: Dict, runs: List[Dict]) -> List[float]:
    """The raw weights' validation top-1 of each of RUNS, from the row's
    pairs file; every run must be there."""
    pairs = _read(osp.join(REPO, row['pairs']))['runs']
    values = []
    for run in runs:
        found = [p['raw'] for p in pairs if p['name'] == row['name']
                 and p['seed'] == run['seed'] and p['split'] == 'val']
        if not found:
            raise SystemExit(f"results_tables: {row['pairs']} has no "
                             f"validation pair of {row['name']} seed "
                             f"{run['seed']}.")
        values.append(found[0])
    return values


def render_profile(data: Dict) -> str:
    """Seconds per iteration by part (.dev_scripts/profile_iteration.py),
    one column per config."""
    configs = list(data['configs'])
    parts = sorted(data['configs'][configs[0]],
                   key=lambda k: -data['configs'][configs[0]][k])
    lines = ['| part | ' + ' | '.join(f'`{osp.basename(c)}`' for c in configs)
             + ' |', '|---' * (len(configs) + 1) + '|']
    for part in parts:
        cells = []
        for config in configs:
            row = data['configs'][config]
            cells.append(f"{row.get(part, 0.0):.3f} s "
                         f"({100 * row.get(part, 0.0) / row['iteration']:.0f} %)")
        lines.append(f'| {part} | ' + ' | '.join(cells) + ' |')
    lines += ['', f"Batch {data['batch_size']}, median of "
              f"{data['rounds']} x {data['iters_per_round']} iterations, "
              f"configs in turn. Command: `{data['command']}`.", '',
              f"Machine: {data['machine']}"]
    return '\n'.join(lines) + '\n'


RENDERERS: Dict[str, Callable[[Dict], str]] = dict(
    ablation=render_ablation, profile=render_profile,
    benchmark=render_benchmark, tuning=tuning_markdown, cpu_speed=render_speed,
    variants=render_variants, probes=render_probes, demo=render_demo,
    demo_iterations=render_demo_iterations)


def metafile_results(data: Dict, method: str, indent: str,
                     where: str) -> str:
    """The OpenMMLab ``Results`` of METHOD: its mean top-1 on the test set
    over the benchmark's seeds."""
    runs = [r for r in data['runs'] if r['method'] == method]
    if not runs:
        raise SystemExit(f'results_tables: {where}: no {method} runs in its '
                         'result file.')
    suite = re.search(r'--suite (\S+)', data['command'])
    dataset = DATASETS[suite.group(1) if suite else 'mnist']
    mean = sum(r['top1_test'] for r in runs) / len(runs)
    tuned = re.search(r'--tuned (\S+)', data['command'])
    # A tuned benchmark ran the config with its method's tuned options.
    options = (f"{indent}# with this method's best_options in "
               f'{tuned.group(1)} (tools/benchmark.py --tuned)\n'
               if tuned else '')
    return (f'{indent}# mean of {len(runs)} seed(s); {data["budget"]}\n'
            + options + f'{indent}Results:\n'
            f'{indent}  - Task: Image Classification\n'
            f'{indent}    Dataset: {dataset}\n'
            f'{indent}    Metrics:\n'
            f'{indent}      Top 1 Accuracy: {mean:.2f}\n')


def rendered_metafile(text: str, where: str) -> str:
    """TEXT with every marked Results block regenerated."""

    def block(match) -> str:
        indent, source, method = match.group(1), match.group(3), \
            match.group(4)
        path = osp.join(REPO, source)
        if not osp.isfile(path):
            raise SystemExit(f'results_tables: {where}: {source} not found.')
        return (indent + match.group(2)
                + metafile_results(_read(path), method, indent, where)
                + match.group(6))

    return YAML_BLOCK.sub(block, text)


def documents() -> List[str]:
    found = []
    for pattern in DOCUMENTS + METAFILES:
        found += sorted(glob.glob(osp.join(REPO, pattern), recursive=True))
    return found


def rendered(text: str, where: str) -> str:
    """TEXT with every marked block regenerated from its result file."""

    def block(match) -> str:
        kind, source = match.group(2), match.group(3)
        if kind not in RENDERERS:
            raise SystemExit(f'results_tables: {where}: unknown kind {kind!r} '
                             f'(known: {", ".join(RENDERERS)}).')
        path = osp.join(REPO, source)
        if not osp.isfile(path):
            raise SystemExit(f'results_tables: {where}: {source} not found.')
        body = RENDERERS[kind](_read(path)).rstrip('\n') + '\n'
        return match.group(1) + body + match.group(5)

    return BLOCK.sub(block, text)


# The documents whose every measured number must come from a result file
# (generated blocks, or prose quoting a number one of the files holds).
SOURCED_DOCUMENTS = DOCUMENTS
# The committed result files: the product's and the research log's.
RESULT_FILES = ['docs/results/*.json', 'research/results/*.json']
# Numbers measured by hand before result files existed may stay, but only
# inside a block that says so where the reader sees it: the block's first
# line is HISTORICAL_LABEL followed by when and how they were measured.
HISTORICAL = re.compile(r'<!-- historical -->\n(.*?)<!-- /historical -->',
                        re.S)
HISTORICAL_LABEL = '> **Historical record'
# A decimal number, a percentage or a ratio ("1.4x"), not part of a version
# ("torch 2.14.1") or a word.
_NUMBER = re.compile(
    r'(?<![\w.])(\d+\.\d+|\d+(?=\s?%))(?=x\b|[^\w.]|\.(?!\d)|$)')
_VERSION_BEFORE = re.compile(
    r'(torch|python|mmengine|mmcv|mmpretrain|mmrazor|numpy|onnx\w*|[<>=~]=?)'
    r'\s*$', re.I)


def _numbers_in(data, found: set) -> set:
    """Every number of a result file, as a document would write it (0-2
    decimals; fractions also as percentages)."""
    if isinstance(data, dict):
        for value in data.values():
            _numbers_in(value, found)
    elif isinstance(data, list):
        for value in data:
            _numbers_in(value, found)
    elif isinstance(data, (int, float)) and not isinstance(data, bool):
        # Prose writes a gap as a positive number ("0.06 points below"),
        # rounds half up ("39.25" as "39.3") and writes small values such as
        # learning rates to two or three significant digits ("0.0027").
        if abs(data) > 1e15 or not math.isfinite(data):
            return found  # no prose quotes these as decimals
        for value in (data, 100 * data, abs(data), abs(100 * data)):
            exact = decimal.Decimal(repr(float(value)))
            for digits in (0, 1, 2):
                found.add(f'{value:.{digits}f}')
                found.add(str(exact.quantize(decimal.Decimal(1).scaleb(
                    -digits), rounding=decimal.ROUND_HALF_UP)))
            for significant in (2, 3):
                found.add(f'{value:.{significant}g}')
    elif isinstance(data, str):
        found.update(re.findall(r'\d+(?:\.\d+)?', data))
    return found


def sourced_numbers() -> set:
    """The numbers of every committed result file (RESULT_FILES)."""
    found: set = set()
    for pattern in RESULT_FILES:
        for path in sorted(glob.glob(osp.join(REPO, pattern))):
            _numbers_in(_read(path), found)
    return found


def unsourced_numbers(text: str, known: set) -> List[str]:
    """Lines of TEXT quoting a measured number (a decimal or a percentage)
    that no result file holds, outside generated blocks and code."""
    text = HISTORICAL.sub('', BLOCK.sub('', text))
    text = re.sub(r'```.*?```', '', text, flags=re.S)
    text = re.sub(r'`[^`\n]*`', '', text)
    # Link targets (arXiv ids, file names) and section numbers ("### 4.1")
    # are not measurements.
    text = re.sub(r'\]\([^)\s]*\)', ']', text)
    text = re.sub(r'^(#+\s+)\d+(?:\.\d+)*\.?(?=\s+[A-Za-z])', r'\1', text,
                  flags=re.M)
    found = []
    for line in text.splitlines():
        for match in _NUMBER.finditer(line):
            if match.group(1) in known or _VERSION_BEFORE.search(
                    line[:match.start()]):
                continue
            found.append(f'{match.group(1)} in: {line.strip()}')
    return found


def unlabelled_historical_blocks(text: str) -> List[str]:
    """The opening lines of historical blocks that do not tell the reader
    they are historical."""
    return [block.strip().splitlines()[0] if block.strip() else '(empty)'
            for block in HISTORICAL.findall(text)
            if not block.lstrip().startswith(HISTORICAL_LABEL)]


def sourced_documents() -> List[str]:
    found = []
    for pattern in SOURCED_DOCUMENTS:
        found += sorted(glob.glob(osp.join(REPO, pattern), recursive=True))
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    sub = parser.add_subparsers(dest='action', required=True)
    for kind in ('benchmark', 'tuning', 'speed', 'variants', 'probes',
                 'demo'):
        collect = sub.add_parser(f'collect-{kind}')
        collect.add_argument('out', help='the output folder of the run')
        collect.add_argument('target', help='docs/results/NAME.json or '
                             'research/results/NAME.json')
    sub.add_parser('render')
    sub.add_parser('check')
    args = parser.parse_args(argv)
    if args.action.startswith('collect-'):
        collector = dict(benchmark=collect_benchmark, tuning=collect_tuning,
                         speed=collect_speed, variants=collect_variants,
                         probes=collect_probes, demo=collect_demo)[
                             args.action[len('collect-'):]]
        _write(collector(args.out), args.target)
        print(f'results_tables: wrote {args.target}')
        return 0
    stale = []
    for path in documents():
        with open(path) as f:
            text = f.read()
        render = rendered_metafile if path.endswith('.yml') else rendered
        new = render(text, osp.relpath(path, REPO))
        if new != text:
            stale.append(osp.relpath(path, REPO))
            if args.action == 'render':
                with open(path, 'w') as f:
                    f.write(new)
    if args.action == 'check' and stale:
        print('results_tables: generated blocks differ from their result '
              f'files in {", ".join(stale)}; run `python '
              '.dev_scripts/results_tables.py render`.', file=sys.stderr)
        return 1
    known = sourced_numbers()
    for path in sourced_documents():
        name = osp.relpath(path, REPO)
        with open(path) as f:
            text = f.read()
        unlabelled = unlabelled_historical_blocks(text)
        if unlabelled:
            print(f'results_tables: {name}: a historical block must open '
                  f'with "{HISTORICAL_LABEL}" (when and how it was measured):'
                  '\n  ' + '\n  '.join(unlabelled), file=sys.stderr)
            return 1
        unsourced = unsourced_numbers(text, known)
        if unsourced:
            print(f'results_tables: {name} quotes numbers no file in '
                  'docs/results/ or research/results/ holds (generate them '
                  'into a block, or add the file they come from):\n  ' + '\n  '.join(unsourced),
                  file=sys.stderr)
            return 1
    print(f"results_tables: {len(stale)} file(s) "
          f"{'rewritten' if args.action == 'render' else 'stale'}.")
    return 0


if __name__ == '__main__':
    sys.exit(main())
