"""The MNIST demo, end to end, through the project's own tools.

    python tools/run_demo.py [--work-dir work_dirs/demo] [--minutes 10]
        [--iters N] [--refine] [--cfg-options ...]

Prepares MNIST, trains the LeNet-5-BN teacher on the real training set,
distils LeNet-5-half with CPSC-DFKD (no training image; as many iterations
as fit the budget on this machine), exports and tests both on the real test
set, draws the generator's class-by-row grid (with --refine also refines the
generator and draws its grid), and deploys the student (ONNX checked against
PyTorch, mmpretrain's inferencer on test digits saved as PNG files). The
numbers go to WORK_DIR/demo.json (.dev_scripts/results_tables.py
collect-demo).
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time

from mmrazor_cpsc.benchmark.budget import iterations_within

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
TEACHER_CFG = 'configs/teachers/lenet5_bn_mnist.py'
STUDENT_CFG = 'configs/students/lenet5_half_mnist.py'
CPSC_CFG = 'configs/cpsc/cpsc_lenet5bn_lenet5half_mnist.py'
REFINE_CFG = 'configs/cpsc/cpsc_generator_refine_lenet5bn_lenet5half_mnist.py'
# The demo's budget, teacher included; CPSC gets the iterations that fit
# what is left on this machine, within MIN_ITERS..MAX_ITERS (measured: the
# iteration sweep in docs/results/mnist_demo_iterations.json).
DEMO_MINUTES, MIN_ITERS, MAX_ITERS = 10.0, 300, 400


def tool(name, *args, log=None):
    cmd = [sys.executable, osp.join('tools', name), *args]
    print('$', ' '.join(cmd), flush=True)
    with open(log, 'w') if log else open(os.devnull, 'w') as out:
        result = subprocess.run(cmd, cwd=REPO, stdout=out,
                                stderr=subprocess.STDOUT)
    if result.returncode != 0:
        hint = f'; see {log}' if log else ''
        raise SystemExit(f'{name} failed with exit code '
                         f'{result.returncode}{hint}')


def last_checkpoint(work_dir):
    return open(osp.join(work_dir, 'last_checkpoint')).read().strip()


def top1(metrics_file):
    return json.load(open(metrics_file))['accuracy/top1']


def draw_grid(config, checkpoint, stem):
    """tools/visualize_generator.py on a checkpoint of ``config``: (png, its
    two checks: teacher agreement and nearest real test image)."""
    tool('visualize_generator.py', config, checkpoint, '--out',
         stem + '.png', '--real-reference', log=stem + '.log')
    with open(stem + '.log') as f:
        lines = [line.strip() for line in f
                 if 'Teacher classifies' in line or 'nearest neighbour' in line]
    return stem + '.png', ('\n  '.join(lines) if lines else
                           f'no grid checks reported; see {stem}.log')


def classify_pngs(config: str, checkpoint: str, out: str,
                  count: int = 100) -> dict:
    """The first COUNT MNIST test digits as PNG files, classified by
    mmpretrain's ImageClassificationInferencer with the exported student:
    how many it names right, and one example."""
    import numpy as np
    from mmpretrain.apis import ImageClassificationInferencer
    from PIL import Image
    from mmpretrain.datasets.mnist import read_image_file, read_label_file
    images = read_image_file(osp.join(REPO, 'data', 'mnist',
                                      't10k-images-idx3-ubyte'))[:count]
    labels = read_label_file(osp.join(REPO, 'data', 'mnist',
                                      't10k-labels-idx1-ubyte'))[:count]
    os.makedirs(out, exist_ok=True)
    paths = []
    for index, image in enumerate(images):
        paths.append(osp.join(out, f'{index}.png'))
        Image.fromarray(np.asarray(image, dtype=np.uint8)).save(paths[-1])
    inferencer = ImageClassificationInferencer(config, pretrained=checkpoint)
    results = inferencer(paths)
    named = [r['pred_class'] for r in results]
    correct = sum(name.split(' ')[0] == str(int(label))
                  for name, label in zip(named, labels))
    return dict(images=len(paths), correct=int(correct),
                example=f"{osp.basename(paths[0])} -> '{named[0]}'")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--minutes', type=float, default=DEMO_MINUTES,
                        help='the whole demo\'s budget (default %(default)s)')
    parser.add_argument('--iters', type=int,
                        help='CPSC iterations (default: as many as fit the '
                        f'budget on this machine, {MIN_ITERS}-{MAX_ITERS}; '
                        "the config's own budget is 1000)")
    parser.add_argument('--refine', action='store_true',
                        help='also refine the generator into a dataset '
                        'generator and draw its grid (a few minutes more)')
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        help='extra overrides for the CPSC config')
    args = parser.parse_args()
    work = osp.abspath(osp.join(REPO, args.work_dir))
    os.makedirs(work, exist_ok=True)
    start = time.time()

    tool('prepare_mnist.py', '--root', 'data/mnist')

    teacher_dir = osp.join(work, 'teacher')
    tool('train.py', TEACHER_CFG, '--work-dir', teacher_dir,
         log=osp.join(work, 'teacher_train.log'))
    teacher_ckpt = last_checkpoint(teacher_dir)
    teacher_metrics = osp.join(work, 'teacher_test.json')
    tool('test.py', TEACHER_CFG, teacher_ckpt, '--work-dir', teacher_dir,
         '--out-metrics', teacher_metrics,
         log=osp.join(work, 'teacher_test.log'))
    teacher_time = time.time() - start

    # What follows the training takes about half the teacher's time.
    iters = args.iters or iterations_within(
        args.minutes * 60 - (time.time() - start) - teacher_time / 2,
        osp.join(REPO, CPSC_CFG), teacher_ckpt, osp.join(work, 'timing'),
        MIN_ITERS, MAX_ITERS)
    cpsc_dir = osp.join(work, 'cpsc')
    tool('train.py', CPSC_CFG, '--work-dir', cpsc_dir, '--cfg-options',
         f'model.teacher_ckpt={teacher_ckpt}',
         f'train_cfg.max_iters={iters}', *args.cfg_options,
         log=osp.join(work, 'cpsc_train.log'))
    cpsc_ckpt = last_checkpoint(cpsc_dir)
    cpsc_time = time.time() - start - teacher_time

    student_ckpt = osp.join(work, 'student_lenet5_half_mnist.pth')
    student_onnx = osp.join(work, 'student_lenet5_half_mnist.onnx')
    tool('convert_student_checkpoint.py', cpsc_ckpt, student_ckpt,
         '--config', CPSC_CFG, '--onnx', student_onnx,
         log=osp.join(work, 'student_export.log'))
    student_metrics = osp.join(work, 'student_test.json')
    tool('test.py', STUDENT_CFG, student_ckpt, '--work-dir',
         osp.join(work, 'student_test'), '--out-metrics', student_metrics,
         log=osp.join(work, 'student_test.log'))

    grid, agreement = draw_grid(CPSC_CFG, cpsc_ckpt,
                                osp.join(work, 'synthetic_grid'))

    refined_grid = refined_agreement = None
    if args.refine:
        refine_dir = osp.join(work, 'generator_refine')
        tool('train.py', REFINE_CFG, '--work-dir', refine_dir,
             '--cfg-options', f'load_from={cpsc_ckpt}',
             f'model.teacher_ckpt={teacher_ckpt}',
             log=osp.join(work, 'generator_refine.log'))
        # Its own config: the grid shows the clipped images checked.
        refined_grid, refined_agreement = draw_grid(
            REFINE_CFG, last_checkpoint(refine_dir),
            osp.join(work, 'synthetic_grid_refined'))

    deployed = classify_pngs(
        osp.join(work, 'student_lenet5_half_mnist_config.py'), student_ckpt,
        osp.join(work, 'test_pngs'))
    with open(student_onnx + '.json') as f:
        deployed['onnx_max_abs_diff'] = json.load(f)['max_abs_diff_vs_pytorch']
    total_time = time.time() - start
    from mmrazor_cpsc.benchmark.report import machine
    with open(osp.join(work, 'demo.json'), 'w') as f:
        json.dump(dict(
            teacher_top1=top1(teacher_metrics),
            student_top1=top1(student_metrics),
            teacher_minutes=teacher_time / 60, student_minutes=cpsc_time / 60,
            total_minutes=total_time / 60, grid=agreement,
            refined_grid=refined_agreement, deployed=deployed,
            iters=iters, machine=machine(),
            cfg_options=args.cfg_options), f, indent=1)

    print(f'\n== CPSC-DFKD MNIST demo ({iters} CPSC iterations) ==')
    print(f'teacher LeNet-5-BN (real data)     top-1 {top1(teacher_metrics):6.2f}'
          f' %   ({teacher_time / 60:.1f} min incl. data)')
    print(f'student LeNet-5-half (data-free)   top-1 {top1(student_metrics):6.2f}'
          f' %   ({cpsc_time / 60:.1f} min)')
    print('both on the real MNIST test set (10,000 images)')
    print(f'synthetic-image grid of the CPSC generator: {grid}\n  {agreement}')
    if args.refine:
        print(f'after the refinement: {refined_grid}\n  {refined_agreement}')
    print(f'logs: {work}/*.log, {cpsc_dir}/<timestamp>/')
    print(f'student checkpoint (plain mmpretrain): {student_ckpt}')
    print(f"deployed: mmpretrain's inferencer names {deployed['correct']} of "
          f"{deployed['images']} test digits saved as PNG correctly (e.g. "
          f"{deployed['example']}); ONNX vs PyTorch max |diff| "
          f"{deployed['onnx_max_abs_diff']:.1e} ({student_onnx})")
    print(f'total {total_time / 60:.1f} min')


if __name__ == '__main__':
    main()
