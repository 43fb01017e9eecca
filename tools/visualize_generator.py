"""Draw a grid of synthetic images from a CPSC checkpoint: one row per class.

    python tools/visualize_generator.py CONFIG CHECKPOINT --out grid.png
        [--per-class 10] [--max-classes 10] [--seed 0]
        [--real-reference] [--check-per-class N] [--cfg-options k=v ...]

Also reports how many grid images the checkpoint's teacher classifies as their
row's class (the generator's health signal) and, with --real-reference, how
many have a real image of their row's class as nearest neighbour in pixel
space (a teacher-independent check that they look like their class; the real
images are the config's test_dataloader dataset).
"""
import argparse

import mmrazor_cpsc  # noqa: F401
import torch
import torchvision
from mmengine.config import DictAction
from mmrazor.registry import MODELS

from mmrazor_cpsc.utils import (load_state_dict_exactly, read_state_dict,
                                sub_state_dict)
from mmrazor_cpsc.utils.cli import errors_as_messages, load_config
from mmrazor_cpsc.visualization import (class_rows, denormalize,
                                        load_real_pixels, nearest_real_labels)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--out', default='synthetic_grid.png')
    parser.add_argument('--per-class', type=int, default=10)
    parser.add_argument('--max-classes', type=int, default=10)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--real-reference', action='store_true',
        help="also judge the images by their nearest real image (the "
        "config's test_dataloader dataset)")
    parser.add_argument(
        '--check-per-class', type=int, default=None,
        help='images per class for the two checks (default: the grid itself)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction, default={},
        help='overrides of the config, as for tools/train.py (e.g. the '
        'data root and normalisation of another dataset)')
    args = parser.parse_args()
    for name in ('per_class', 'max_classes', 'check_per_class'):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1, "
                         f'got {value}')

    cfg = load_config(args.config, args.cfg_options)
    if args.real_reference and 'test_dataloader' not in cfg:
        parser.error('--real-reference reads the real images from the '
                     "config's test_dataloader, which it does not have")
    state_dict = read_state_dict(args.checkpoint, 'generator')
    generator = MODELS.build(cfg.model.generator)
    load_state_dict_exactly(generator, sub_state_dict(state_dict, 'generator.'),
                            args.checkpoint, 'generator')
    classes = list(range(min(generator.num_classes, args.max_classes)))
    images, labels = class_rows(generator, classes, args.per_class, args.seed)

    preprocessor = cfg.model.get('data_preprocessor') or {}
    pixels = denormalize(images, preprocessor.get('mean'),
                         preprocessor.get('std'))
    torchvision.utils.save_image(pixels, args.out, nrow=args.per_class,
                                 padding=2, pad_value=1.0)
    print(f'Saved {len(classes)} rows x {args.per_class} images to {args.out}')

    if args.check_per_class not in (None, args.per_class):
        images, labels = class_rows(generator, classes, args.check_per_class,
                                    args.seed)
        pixels = denormalize(images, preprocessor.get('mean'),
                             preprocessor.get('std'))
    if any(k.startswith('teacher.') for k in state_dict):
        teacher = MODELS.build(cfg.model.teacher)
        load_state_dict_exactly(teacher, sub_state_dict(state_dict, 'teacher.'),
                                args.checkpoint, 'teacher')
        teacher.eval()
        with torch.no_grad():
            agree = (teacher(images, None, mode='tensor').argmax(1) == labels)
        print(f'Teacher classifies {agree.float().mean() * 100:.1f}% of the '
              f"{len(labels)} images as their row's class.")
    if args.real_reference:
        real_pixels, real_labels = load_real_pixels(
            cfg.test_dataloader.dataset)
        same = nearest_real_labels(pixels, real_pixels, real_labels) == labels
        rows = ' '.join(f'{c}:{same[labels == c].float().mean() * 100:.0f}'
                        for c in classes)
        print(f"{same.float().mean() * 100:.1f}% of the {len(labels)} images "
              "have a real image of their row's class as nearest neighbour "
              f'({len(real_labels)} real images; per class {rows}).')


if __name__ == '__main__':
    with errors_as_messages('tools/visualize_generator.py'):
        main()
