"""A benchmark's and a tuning's reports, from their recorded data only.

``.dev_scripts/results_tables.py`` renders the published tables with the
same functions, so a report and its published table cannot differ.
"""
import glob
import json
import os
import os.path as osp
import platform
import statistics
from typing import Any, Dict, List, Optional


def read_json(path: str, default: Any = None) -> Any:
    """The JSON in PATH, or DEFAULT when there is no such file."""
    if not osp.isfile(path):
        return default
    with open(path) as f:
        return json.load(f)


def latest_scalars(run_dir: str) -> List[Dict]:
    """The mmengine scalar log of the latest start of the run in RUN_DIR
    (``RUN_DIR/<timestamp>/vis_data/scalars.json``); [] when there is none."""
    found = sorted(glob.glob(osp.join(run_dir, '*', 'vis_data',
                                      'scalars.json')))
    if not found:
        return []
    with open(found[-1]) as f:
        return [json.loads(line) for line in f if line.strip()]


def agreement_last_fifth(scalars: List[Dict]) -> Optional[float]:
    """Mean ``gen.teacher_agreement`` (the share of synthetic images the
    teacher classifies as their conditioning label) over the last fifth of
    a run's iterations (the last logged value for a short run); None for a
    method that does not log it."""
    train = [r for r in scalars if 'gen.teacher_agreement' in r]
    if not train:
        return None
    iters = max(r['iter'] for r in train)
    last_fifth = [r['gen.teacher_agreement'] for r in train
                  if r['iter'] > 0.8 * iters] or [
                      train[-1]['gen.teacher_agreement']]
    return sum(last_fifth) / len(last_fifth)


def per_run_markdown(runs: List[Dict]) -> List[str]:
    """One row per run: how far its last validation point is below its
    best (the last checkpoint is the one shipped, so a falling curve costs
    accuracy) and, for conditional generators, the teacher's agreement with
    the conditioning labels over the last fifth."""
    lines = ['', 'Per run (validation final - best: what shipping the last '
             'checkpoint costs against the best validation point):', '',
             '| method | seed | top-1 test | validation final | validation '
             'best | final - best | teacher agreement, last fifth |',
             '|---|---|---|---|---|---|---|']
    for run in runs:
        agreement = run.get('teacher_agreement_last_fifth')
        lines.append(
            f"| {run['method']} | {run['seed']} | "
            + (f"{run['top1_test']:.2f}" if 'top1_test' in run else '-')
            + f" | {run['top1_final']:.2f} | {run['top1_best']:.2f} | "
            # + 0.0: no '-0.00' for a run whose last point is its best.
            f"{round(run['top1_final'] - run['top1_best'], 2) + 0.0:.2f} | "
            + (f'{100 * agreement:.1f} %' if agreement is not None else '-')
            + ' |')
    return lines


def mean_std(values: List[float]) -> str:
    """VALUES as 'mean ± std' (std 0 for one value), two decimals."""
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return f'{statistics.mean(values):.2f} ± {std:.2f}'


def machine() -> str:
    """This machine as a report names it: cores, CPU model, torch version,
    threads and Python version."""
    import torch
    cpu = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo') as f:
            names = [line.split(':', 1)[1].strip() for line in f
                     if line.startswith('model name')]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    return (f'{os.cpu_count()} CPU cores ({cpu}), torch {torch.__version__}, '
            f'{torch.get_num_threads()} threads, Python '
            f'{platform.python_version()}')


def results_markdown(runs: List[Dict], overhead: Optional[Dict],
                     command: str, budget: str,
                     reference: Optional[Dict] = None,
                     machine_text: Optional[str] = None) -> str:
    """The report of a benchmark as markdown, from its recorded data only
    (.dev_scripts/results_tables.py renders the published tables with it)."""
    methods = list(dict.fromkeys(r['method'] for r in runs))
    lines = [
        f'Budget per run: {budget}. Mean ± std over seeds. "top-1 test": '
        "the run's last checkpoint on the real test set; \"validation\": "
        "the config's validation set over the run (final and best), the only "
        'set anything is chosen on.', '',
        '| method | seeds | top-1 test | validation final | validation best '
        '| iterations | train wall (s) | s/iter (median) | peak RSS (MB) |',
        '|---|---|---|---|---|---|---|---|---|'
    ]
    for method in methods:
        rows = [r for r in runs if r['method'] == method]
        test = [r['top1_test'] for r in rows if 'top1_test' in r]
        lines.append(
            f'| {method} | {len(rows)} | '
            f"{mean_std(test) if len(test) == len(rows) else '-'} | "
            f"{mean_std([r['top1_final'] for r in rows])} | "
            f"{mean_std([r['top1_best'] for r in rows])} | "
            f"{statistics.mean(r['iters'] for r in rows):.0f} | "
            f"{mean_std([r['wall_s'] for r in rows])} | "
            f"{statistics.median(r['s_per_iter'] for r in rows):.3f} | "
            f"{max(r['peak_rss_mb'] for r in rows):.0f} |")
    if reference:
        lines += ['', 'References on the same test set: teacher '
                  f"{reference['teacher_top1_test']:.2f}"
                  + (', student trained on the real data '
                     f"{reference['real_data_student_top1_test']:.2f}"
                     if 'real_data_student_top1_test' in reference else '')
                  + '.']
    lines += per_class_markdown(runs, reference)
    lines += per_run_markdown(runs)
    if overhead:
        lines += [
            '', f"Framework overhead: {overhead['method']} through the "
            f"Runner {overhead['framework_s_per_iter']:.3f} s/iter, bare "
            "PyTorch loop "
            f"{overhead['bare_s_per_iter']:.3f} s/iter (median of "
            f"{overhead['bare_iters']}, timed before each run): ratio "
            f"**{overhead['ratio']:.3f}**"
            + (' (per seed: ' + ', '.join(
                f'{r:.3f}' for r in overhead['pair_ratios']) + ').'
               if overhead.get('pair_ratios') else '.')
        ]
    machine_text = machine_text or machine()
    lines += ['', f'Command: `{command}`', '', f'Machine: {machine_text}']
    # Runs continued elsewhere (--resume, --import-runs) record their own.
    others = {}
    for run in runs:
        if run.get('machine', machine_text) != machine_text:
            others.setdefault(run['machine'], []).append(
                f"{run['method']} seed {run['seed']}")
    lines += [f"Runs on another machine: {', '.join(names)} on {other}."
              for other, names in others.items()]
    return '\n'.join(lines + [''])


def per_class_markdown(runs: List[Dict],
                       reference: Optional[Dict]) -> List[str]:
    """Each class's test accuracy, teacher beside every method (mean over
    seeds), and the class each method loses most against the teacher."""
    if not (reference and 'teacher_per_class_test' in reference
            and all('per_class_test' in r for r in runs)):
        return []
    teacher = reference['teacher_per_class_test']
    classes = reference.get('classes') or [str(i) for i in range(len(teacher))]
    methods = list(dict.fromkeys(r['method'] for r in runs))
    means = {
        m: [statistics.mean(r['per_class_test'][c] for r in runs
                            if r['method'] == m) for c in range(len(teacher))]
        for m in methods
    }
    lines = ['', 'Per class on the test set (the last checkpoint, mean over '
             'seeds):', '',
             '| class | teacher | ' + ' | '.join(methods) + ' |',
             '|---|---|' + '---|' * len(methods)]
    for c, name in enumerate(classes):
        lines.append(f'| {name} | {teacher[c]:.1f} | ' + ' | '.join(
            f'{means[m][c]:.1f}' for m in methods) + ' |')
    worst = []
    for m in methods:
        c = max(range(len(teacher)), key=lambda i: teacher[i] - means[m][i])
        worst.append(f'{m} on **{classes[c]}** ({means[m][c]:.1f} vs '
                     f'{teacher[c]:.1f}, {means[m][c] - teacher[c]:+.1f} '
                     'points)')
    lines += ['', 'The class each method loses most against the teacher: '
              + '; '.join(worst) + '.']
    return lines


def curve_label(method: str, rows: List[Dict]) -> str:
    """METHOD with the number of its runs the curve averages: methods of
    a benchmark in progress have different numbers of seeds, and seeds need
    not start at 0."""
    seeds = len({r['seed'] for r in rows})
    return f'{method} ({seeds} seed{"s" if seeds != 1 else ""})'


def plot_curves(path: str, runs: List[Dict]) -> None:
    """curves.png at PATH: each method's mean validation top-1 against
    iterations and against training wall time."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, (by_iter, by_time) = plt.subplots(1, 2, figsize=(11, 4.2))
    for method in dict.fromkeys(r['method'] for r in runs):
        rows = [r for r in runs if r['method'] == method]
        length = min(len(r['curve']) for r in rows)
        mean = lambda key: [  # noqa: E731
            statistics.mean(r['curve'][i][key] for r in rows)
            for i in range(length)
        ]
        top1 = mean('top1')
        label = curve_label(method, rows)
        line, = by_iter.plot(mean('iter'), top1, marker='o', label=label)
        by_time.plot([t / 60 for t in mean('wall_s')], top1, marker='o',
                     color=line.get_color(), label=label)
    for ax, xlabel in ((by_iter, 'iteration'),
                       (by_time, 'training wall time (min)')):
        ax.set_xlabel(xlabel)
        ax.set_ylabel('top-1 on the validation set (%)')
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle("mean over each method's seeds")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(out: str, runs: List[Dict], overhead: Optional[Dict],
                 command: str, budget: str,
                 reference: Optional[Dict] = None,
                 machine_text: Optional[str] = None) -> None:
    """results.md and curves.png in OUT (see :func:`results_markdown`)."""
    with open(osp.join(out, 'results.md'), 'w') as f:
        f.write(results_markdown(runs, overhead, command, budget, reference,
                                 machine_text))
    plot_curves(osp.join(out, 'curves.png'), runs)


def report_only(out: str) -> None:
    """results.md and curves.png from the runs recorded in OUT."""
    runs = read_json(osp.join(out, 'results.json'), [])
    if not runs:
        raise SystemExit(f'benchmark: no finished run in {out}/results.json; '
                         'nothing to report (run the benchmark first).')
    info = read_json(osp.join(out, 'benchmark.json'),
                      dict(command='unknown (no benchmark.json)',
                           budget='see the iterations column'))
    write_report(out, runs, read_json(osp.join(out, 'overhead.json')),
                 info['command'], info['budget'],
                 read_json(osp.join(out, 'references.json')),
                 info.get('machine'))
    print(f'benchmark: {len(runs)} runs reported in {out}/results.md and '
          'curves.png', flush=True)


def tuning_markdown(tuning: Dict) -> str:
    """One table of trials per method, from tuning.json's data only."""
    lines = [f"Tuning budget: {tuning['trials']} trials per method, "
             f"{tuning['minutes']:g} minutes of training each, seed "
             f"{tuning['seed']}; score: top-1 (%) on the validation set "
             '(held-out training images), never the test set. Trial 0 is '
             'the config as shipped.', '']
    for name, result in tuning['methods'].items():
        knobs = list(result['space'])
        # A conditional generator's teacher agreement, where it was logged
        # (.dev_scripts/results_tables.py collect-tuning reads it from each
        # run).
        agreement = any('teacher_agreement_last_fifth' in t
                        for t in result['trials'])
        extra = ' teacher agreement, last fifth |' if agreement else ''
        done = len(result['trials'])
        progress = (f", {done} of {tuning['trials']} trials finished so far"
                    if done < tuning['trials'] else '')
        lines += [f'**{name}** (`{result["config"]}`{progress})', '',
                  '| trial | ' + ' | '.join(knobs)
                  + ' | iterations |' + extra + ' validation top-1 |',
                  '|---' * (len(knobs) + 3 + agreement) + '|']
        for t in result['trials']:
            mark = ''
            if t['number'] == result['best']['number']:
                mark = ' **(best so far)**' if progress else ' **(best)**'
            cell = ''
            if agreement:
                value = t.get('teacher_agreement_last_fifth')
                cell = (f' {100 * value:.1f} % |' if value is not None
                        else ' - |')
            lines.append(
                f"| {t['number']}{mark} | "
                + ' | '.join(_fmt(t['values'][k]) for k in knobs)
                + f" | {t['iters']} |{cell} {t['top1_val']:.2f} |")
        lines.append('')
        lines += _provenance(result['trials'])
    lines += [f"Command: `{tuning['command']}`", '']
    return '\n'.join(lines)


def _provenance(trials: List[Dict]) -> List[str]:
    """Where trials came from when not all from one run: the imported ones,
    and the teacher weights and machine of each where they differ."""
    notes = []
    imported = [t for t in trials if t.get('imported_from')]
    if imported:
        notes.append('Trials ' + ', '.join(str(t['number']) for t in imported)
                     + ' imported from `'
                     + '`, `'.join(sorted({t['imported_from']
                                          for t in imported})) + '`.')
    # Trials of one study may differ in these after a lost machine.
    for key, label in (('teacher_sha256', 'Teacher weights (sha256 prefix)'),
                       ('machine', 'Machine')):
        groups: Dict[str, List[str]] = {}
        for t in trials:
            groups.setdefault(t.get(key) or 'not recorded',
                              []).append(str(t['number']))
        if len(groups) > 1:
            notes.append(f'{label}: ' + '; '.join(
                f"trial{'s' if len(n) > 1 else ''} {', '.join(n)}: {value}"
                for value, n in groups.items()) + '.')
    return [' '.join(notes), ''] if notes else []


def write_tuning_markdown(path: str, tuning: Dict) -> None:
    """tuning.md at PATH from a tuning.json's data (see
    :func:`tuning_markdown`)."""
    with open(path, 'w') as f:
        f.write(tuning_markdown(tuning))


def _fmt(value) -> str:
    return str(value) if isinstance(value, int) else f'{value:.3g}'
