"""Prepare your own image dataset for a teacher and data-free distillation.

    python tools/prepare_dataset.py ROOT --name NAME [--out DIR]
        [--image-size 32] [--held-out-per-class N] [--teacher-epochs 30]
        [--class-names a,b,...]  (IDX files only)
    mim run mmrazor_cpsc prepare_dataset ROOT --name NAME ...

ROOT holds one folder per class under ``train/`` and under ``test/`` (or
``val/``): ``ROOT/train/<class>/*.png|jpg|...`` -- the layout mmpretrain's
``CustomDataset`` reads, so nothing is copied. Every image is decoded once
(an unreadable one is named), the per-channel mean/std of the training
images is computed (resized as the pipeline resizes them; grey when every
image is single-channel, RGB otherwise) and three configs are written to
DIR (default: ``configs_NAME``):

  NAME_dataset.py  the one place that names the dataset: root, classes,
                   size, channels, mean/std, held-out validation split,
                   pipelines and dataloaders
  NAME_teacher.py  a WRN-16-2 teacher trained on it
  NAME_cpsc.py     CPSC: that teacher -> WRN-16-1, no training images,
                   validated on the held-out split, tested on test/

IDX files (the MNIST format: ``train-images-idx3-ubyte`` and
``train-labels-idx1-ubyte``, ``t10k-*`` or ``test-*`` for the test split,
optionally gzipped) in ROOT are written out once as such class folders
under ``DIR/NAME_images``, named by label number (``3``, or ``3_cat`` with
``--class-names``, so that their sorted order, which mmpretrain's class
indices follow, is the label order), then used as above.

The configs inherit this package's configs by package scope
(``mmrazor_cpsc::``) and keep their work_dirs in ``DIR/work_dirs``, so they
work from any directory; the tool prints the commands that run them.
"""
import argparse
import os.path as osp

from mmengine.config import Config

from mmrazor_cpsc.datasets.preparation import (LayoutError, check_options,
                                               next_commands,
                                               prepare_own_dataset)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument('root', help='ROOT/train/<class>/*, ROOT/test/...')
    parser.add_argument('--name', required=True,
                        help='dataset name (file names, work dirs)')
    parser.add_argument('--out', help='config directory (default: '
                        'configs_NAME)')
    parser.add_argument('--image-size', type=int, default=32,
                        help='square size images are resized to, a multiple '
                        'of 4, >= 8 (default: %(default)s)')
    parser.add_argument('--held-out-per-class', type=int, default=None,
                        help='training images per class kept for validation '
                        '(default: a tenth of the smallest class, >= 1)')
    parser.add_argument('--teacher-epochs', type=int, default=30)
    parser.add_argument('--class-names', default=None,
                        help='comma-separated class names in label order '
                        '(IDX files only; default: the label numbers)')
    args = parser.parse_args(argv)
    try:
        check_options(args.name, args.image_size, args.teacher_epochs)
    except ValueError as error:
        parser.error(str(error))
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    names = ([n.strip() for n in args.class_names.split(',')]
             if args.class_names else None)
    try:
        found = prepare_own_dataset(
            args.root, args.name, args.out or f'configs_{args.name}',
            args.image_size, args.held_out_per_class, args.teacher_epochs,
            names, log=lambda line: print(f'prepare_dataset: {line}'))
    except LayoutError as error:
        raise SystemExit(f'prepare_dataset: {error}') from None
    print(f'prepare_dataset: {len(found.classes)} classes, '
          f'{found.train_count} training images ({found.held_out} per class '
          f'held out for validation), {found.test_count} {found.test_split} '
          f'images; {found.channels} channel(s), mean {found.mean}, std '
          f'{found.std}.')
    for kind, path in found.configs.items():
        print(f'  {kind}: {path}')
    # Reading the CPSC config back checks what was written and gives the
    # name of its last checkpoint.
    cpsc_iters = Config.fromfile(found.configs['cpsc']).train_cfg.max_iters
    commands = next_commands(found.configs, osp.dirname(osp.abspath(__file__)),
                             cpsc_iters)
    print('Next:\n' + '\n'.join(f'  {line}' for line in commands))


if __name__ == '__main__':
    main()
