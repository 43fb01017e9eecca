"""Prepare your own image dataset for a teacher and data-free distillation.

    python tools/prepare_dataset.py ROOT --name NAME [--out DIR]
        [--image-size 32] [--held-out-per-class N] [--teacher-epochs 30]
        [--class-names a,b,...]  (IDX files only)

ROOT holds one folder per class under ``train/`` and under ``test/`` (or
``val/``): ``ROOT/train/<class>/*.png|jpg|...`` -- the layout mmpretrain's
``CustomDataset`` reads, so nothing is copied. The tool checks the layout,
computes the per-channel mean/std of the training images (resized as the
pipeline resizes them; grey when every image is single-channel, RGB
otherwise) and writes three configs to DIR (default: ``configs_NAME``):

  NAME_dataset.py  the one place that names the dataset: root, classes,
                   size, channels, mean/std, held-out validation split,
                   pipelines and dataloaders
  NAME_teacher.py  a WRN-16-2 teacher trained on it (tools/train.py)
  NAME_cpsc.py     CPSC: that teacher -> WRN-16-1, no training images,
                   validated on the held-out split, tested on test/

IDX files (the MNIST format: ``train-images-idx3-ubyte`` and
``train-labels-idx1-ubyte``, ``t10k-*`` or ``test-*`` for the test split,
optionally gzipped) in ROOT are written out once as such class folders
under ``DIR/NAME_images``, named by label number (``3``, or ``3_cat`` with
``--class-names``, so that their sorted order, which mmpretrain's class
indices follow, is the label order), then used as above.

Then:
    python tools/train.py DIR/NAME_teacher.py
    python tools/train.py DIR/NAME_cpsc.py
    python tools/test.py DIR/NAME_cpsc.py work_dirs/NAME_cpsc/iter_N.pth
"""
from __future__ import annotations

import argparse
import datetime
import gzip
import os
import os.path as osp
import sys
from typing import Dict, List, Tuple

import numpy as np

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif',
                    '.tiff', '.webp')


class LayoutError(ValueError):
    """ROOT is not laid out as ``split/<class>/<image>``."""


def _class_folders(split_dir: str) -> Dict[str, List[str]]:
    classes = {}
    for name in sorted(os.listdir(split_dir)):
        folder = osp.join(split_dir, name)
        if not osp.isdir(folder):
            continue
        images = sorted(f for f in os.listdir(folder)
                        if f.lower().endswith(IMAGE_EXTENSIONS))
        if not images:
            kinds = ', '.join(IMAGE_EXTENSIONS)
            raise LayoutError(f'{folder} holds no images ({kinds}); remove '
                              'it or add its images.')
        classes[name] = [osp.join(folder, f) for f in images]
    return classes


IDX_SPLITS = {'train': ('train', ), 'test': ('t10k', 'test')}


def _idx_file(root: str, prefix: str, kind: str) -> str:
    for name in (f'{prefix}-{kind}', f'{prefix}-{kind}.gz'):
        if osp.isfile(osp.join(root, name)):
            return osp.join(root, name)
    return ''


def find_idx(root: str) -> Dict[str, Tuple[str, str]]:
    """split -> (images file, labels file) for IDX files in ROOT, or {}."""
    found = {}
    for split, prefixes in IDX_SPLITS.items():
        for prefix in prefixes:
            images = _idx_file(root, prefix, 'images-idx3-ubyte')
            labels = _idx_file(root, prefix, 'labels-idx1-ubyte')
            if images or labels:
                if not (images and labels):
                    missing = 'labels' if images else 'images'
                    raise LayoutError(
                        f'{root}: {osp.basename(images or labels)} has no '
                        f'{missing} file beside it ({prefix}-{missing}-idx'
                        f"{'1' if missing == 'labels' else '3'}-ubyte).")
                found[split] = (images, labels)
                break
    if found and set(found) != set(IDX_SPLITS):
        raise LayoutError(f'{root} has IDX files for {sorted(found)} only: '
                          'give the train and the test split (t10k-* or '
                          'test-*).')
    return found


def read_idx(path: str) -> np.ndarray:
    """An IDX file of unsigned bytes (images N x H x W or labels N)."""
    with (gzip.open if path.endswith('.gz') else open)(path, 'rb') as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise LayoutError(f'{path} is not an IDX file (bad magic number).')
    if data[2] != 0x08:
        raise LayoutError(f'{path} holds type 0x{data[2]:02x}; only unsigned '
                          'bytes (0x08, as MNIST) are read.')
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], 'big')
                  for i in range(ndim))
    body = np.frombuffer(data, np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(shape)):
        raise LayoutError(f'{path}: header says {shape}, the file holds '
                          f'{body.size} values.')
    return body.reshape(shape)


def idx_to_folders(idx: Dict[str, Tuple[str, str]], out: str,
                   class_names: List[str]) -> str:
    """Write IDX images as OUT/{train,test}/<class>/<i>.png; returns OUT."""
    from PIL import Image
    splits = {}
    for split, (images_file, labels_file) in idx.items():
        images, labels = read_idx(images_file), read_idx(labels_file)
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise LayoutError(
                f'{images_file} / {labels_file}: need N x H x W images and N '
                f'labels, got {images.shape} and {labels.shape}.')
        splits[split] = images, labels
    count = int(max(labels.max() for _, labels in splits.values())) + 1
    if class_names and len(class_names) < count:
        raise LayoutError(f'--class-names has {len(class_names)} names; the '
                          f'labels go up to {count - 1}.')
    # Class indices follow the folders' sorted names (mmpretrain's
    # CustomDataset): a zero-padded label first keeps the IDX label order.
    width = len(str(max(count, len(class_names)) - 1))
    names = [str(i).zfill(width) + (f'_{class_names[i]}' if class_names
                                    else '')
             for i in range(max(count, len(class_names)))]
    for split, (images, labels) in splits.items():
        for index, (image, label) in enumerate(zip(images, labels)):
            folder = osp.join(out, split, names[label])
            os.makedirs(folder, exist_ok=True)
            Image.fromarray(image).save(osp.join(folder, f'{index}.png'))
    return out


def read_layout(root: str) -> Tuple[Dict[str, List[str]], str,
                                    Dict[str, List[str]]]:
    """(train classes -> images, name of the test split, its classes)."""
    if not osp.isdir(root):
        raise LayoutError(f'{root} is not a directory.')
    if not osp.isdir(osp.join(root, 'train')):
        raise LayoutError(
            f'{root} has no train/ folder. Expected {root}/train/<class>/'
            f'<image> and {root}/test/<class>/<image> (or val/).')
    test_split = next((s for s in ('test', 'val')
                       if osp.isdir(osp.join(root, s))), None)
    if test_split is None:
        raise LayoutError(f'{root} has no test/ (or val/) folder: the '
                          'distilled student is evaluated on it.')
    train = _class_folders(osp.join(root, 'train'))
    test = _class_folders(osp.join(root, test_split))
    if len(train) < 2:
        raise LayoutError(f'{root}/train needs one folder per class, at least '
                          f'two; found {len(train)}.')
    if set(train) != set(test):
        raise LayoutError(
            f'train/ and {test_split}/ name different classes: only in '
            f'train: {sorted(set(train) - set(test))}, only in {test_split}:'
            f' {sorted(set(test) - set(train))}.')
    return train, test_split, test


def image_statistics(paths: List[str], size: int) -> Tuple[int, List[float],
                                                           List[float]]:
    """(channels, mean, std) per channel over ``paths`` resized to
    size x size, 0-255, RGB order (one grey channel when every image is)."""
    from PIL import Image
    sums = sq = None
    count = 0
    grey = all(Image.open(p).mode in ('L', '1', 'I;16', 'I') for p in paths)
    for path in paths:
        try:
            image = Image.open(path).convert('L' if grey else 'RGB').resize(
                (size, size), Image.BILINEAR)
        except OSError as error:
            raise LayoutError(f'cannot read {path}: {error}') from None
        pixels = np.asarray(image, dtype=np.float64).reshape(size * size, -1)
        sums = pixels.sum(0) if sums is None else sums + pixels.sum(0)
        sq = (pixels**2).sum(0) if sq is None else sq + (pixels**2).sum(0)
        count += pixels.shape[0]
    mean = sums / count
    std = np.sqrt(np.maximum(sq / count - mean**2, 1e-12))
    return (1 if grey else 3), [round(float(m), 3) for m in mean], [
        round(float(s), 3) for s in std]


DATASET_TEMPLATE = '''# Generated by tools/prepare_dataset.py on {date} from {root}.
# The one place that names this dataset: every config of it reads these
# values (the teacher's and the student's dataloaders, the data
# preprocessor, the generator's image size, channels and classes).
dataset_root = {root!r}
dataset_classes = {classes!r}
dataset_num_classes = {num_classes}
dataset_image_size = {size}
dataset_channels = {channels}
# Mean / std of the training images at that size ({count} images, 0-255,
# {order}), computed by the tool.
dataset_preprocessor = dict(
    type='mmpretrain.ClsDataPreprocessor', mean={mean!r}, std={std!r},
    to_rgb={to_rgb}, num_classes={num_classes})
# Training images no model trains on: the validation set (model selection);
# test/ is evaluated for reporting only.
dataset_held_out = dict(per_class={held_out}, seed=0)
_load = dict(type='mmpretrain.LoadImageFromFile', color_type={color!r})
_resize = dict(type='mmpretrain.Resize', scale=({size}, {size}))
dataset_train_pipeline = [
    _load, _resize,
    dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='mmpretrain.PackInputs')
]
dataset_test_pipeline = [_load, _resize, dict(type='mmpretrain.PackInputs')]
_images = dict(type='mmpretrain.CustomDataset', data_root=dataset_root,
               metainfo=dict(classes=dataset_classes), with_label=True)
# _delete_: these replace, not merge into, the dataset of the config they
# go into.
dataset_teacher_train = dict(
    _delete_=True, type='mmpretrain.HeldOutSplit', part='rest',
    **dataset_held_out,
    dataset=dict(_images, data_prefix='train',
                 pipeline=dataset_train_pipeline))
dataset_val = dict(
    _delete_=True, type='mmpretrain.HeldOutSplit', part='held_out',
    **dataset_held_out,
    dataset=dict(_images, data_prefix='train',
                 pipeline=dataset_test_pipeline))
dataset_test = dict(_delete_=True, **_images, data_prefix={test_split!r},
                    pipeline=dataset_test_pipeline)
'''

TEACHER_TEMPLATE = '''# Generated by tools/prepare_dataset.py: a WRN-16-2 teacher for {name}
# (the CIFAR-10 teacher recipe of this project on your images).
#   python tools/train.py {path}
_base_ = [{base!r}, './{name}_dataset.py']
model = dict(
    data_preprocessor={{{{_base_.dataset_preprocessor}}}},
    backbone=dict(in_channels={{{{_base_.dataset_channels}}}}),
    head=dict(num_classes={{{{_base_.dataset_num_classes}}}}))
train_dataloader = dict(dataset={{{{_base_.dataset_teacher_train}}}})
val_dataloader = dict(dataset={{{{_base_.dataset_val}}}})
test_dataloader = dict(dataset={{{{_base_.dataset_test}}}})
train_cfg = dict(max_epochs={epochs}, val_interval=1)
work_dir = 'work_dirs/{name}_teacher'
'''

CPSC_TEMPLATE = '''# Generated by tools/prepare_dataset.py: CPSC distils the {name} teacher
# into a WRN-16-1 without training images (this project's CIFAR-10 CPU
# recipe), validates on the held-out training images, tests on {test_split}/.
#   python tools/train.py {path}
_base_ = [{base!r}, './{name}_dataset.py']
_classifier = dict(
    backbone=dict(in_channels={{{{_base_.dataset_channels}}}}),
    head=dict(num_classes={{{{_base_.dataset_num_classes}}}}))
model = dict(
    data_preprocessor={{{{_base_.dataset_preprocessor}}}},
    architecture=_classifier,
    teacher=_classifier,
    teacher_ckpt='work_dirs/{name}_teacher/epoch_{epochs}.pth',
    generator=dict(img_size={{{{_base_.dataset_image_size}}}},
                   out_channels={{{{_base_.dataset_channels}}}},
                   num_classes={{{{_base_.dataset_num_classes}}}}))
train_dataloader = dict(
    dataset=dict(num_classes={{{{_base_.dataset_num_classes}}}}))
val_dataloader = dict(dataset={{{{_base_.dataset_val}}}})
test_dataloader = dict(dataset={{{{_base_.dataset_test}}}})
work_dir = 'work_dirs/{name}_cpsc'
'''


def configs_dir() -> str:
    """The shipped configs: the repo's, or the installed package's."""
    for candidate in (osp.join(REPO, 'configs'),
                      osp.join(REPO, '.mim', 'configs')):
        if osp.isdir(candidate):
            return candidate
    raise SystemExit('prepare_dataset: cannot find the shipped configs '
                     f'next to {__file__}.')


def main(argv=None) -> None:
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
    if not args.name.replace('_', '').replace('-', '').isalnum():
        parser.error(f'--name {args.name!r}: letters, digits, - and _ only.')
    if args.image_size < 8 or args.image_size % 4:
        parser.error(f'--image-size must be a multiple of 4 and at least 8 '
                     f'(the generator upsamples twice), got {args.image_size}.')
    if args.teacher_epochs < 2:
        parser.error('--teacher-epochs must be at least 2 (one warm-up '
                     'epoch, then the cosine).')
    root = osp.abspath(args.root)
    out = osp.abspath(args.out or f'configs_{args.name}')
    try:
        idx = find_idx(root) if osp.isdir(root) else {}
        if idx:
            folders = osp.join(out, f'{args.name}_images')
            if osp.isdir(folders):
                print(f'prepare_dataset: {folders} exists; reading it (delete '
                      'it to convert the IDX files again).')
            else:
                names = ([n.strip() for n in args.class_names.split(',')]
                         if args.class_names else [])
                idx_to_folders(idx, folders + '.partial', names)
                os.replace(folders + '.partial', folders)
                print(f'prepare_dataset: IDX files of {root} written as class '
                      f'folders to {folders}')
            root = folders
        elif args.class_names:
            raise LayoutError('--class-names is for IDX files; class folders '
                              'are named by their folders.')
        train, test_split, test = read_layout(root)
        smallest = min(len(v) for v in train.values())
        held_out = (args.held_out_per_class if args.held_out_per_class
                    is not None else max(1, smallest // 10))
        if not 1 <= held_out < smallest:
            raise LayoutError(
                f'--held-out-per-class {held_out}: the smallest class has '
                f'{smallest} training images; keep at least one to train on.')
        images = [p for paths in train.values() for p in paths]
        channels, mean, std = image_statistics(images, args.image_size)
    except LayoutError as error:
        raise SystemExit(f'prepare_dataset: {error}') from None
    os.makedirs(out, exist_ok=True)
    classes = list(train)
    paths = {kind: osp.join(out, f'{args.name}_{kind}.py')
             for kind in ('dataset', 'teacher', 'cpsc')}
    shipped = configs_dir()
    with open(paths['dataset'], 'w') as f:
        f.write(DATASET_TEMPLATE.format(
            date=datetime.date.today().isoformat(), root=root,
            classes=classes, num_classes=len(classes), size=args.image_size,
            channels=channels, count=len(images),
            order='one grey channel' if channels == 1 else 'RGB',
            mean=mean, std=std, to_rgb=channels == 3, held_out=held_out,
            color='grayscale' if channels == 1 else 'color',
            test_split=test_split))
    with open(paths['teacher'], 'w') as f:
        f.write(TEACHER_TEMPLATE.format(
            name=args.name, path=paths['teacher'], epochs=args.teacher_epochs,
            base=osp.join(shipped, 'teachers', 'wrn16_2_cifar10.py')))
    with open(paths['cpsc'], 'w') as f:
        f.write(CPSC_TEMPLATE.format(
            name=args.name, path=paths['cpsc'], epochs=args.teacher_epochs,
            test_split=test_split,
            base=osp.join(shipped, 'cpsc', 'cpsc_wrn16-2_wrn16-1_cifar10.py')))
    print(f'prepare_dataset: {len(classes)} classes, {len(images)} training '
          f'images ({held_out} per class held out for validation), '
          f'{sum(len(v) for v in test.values())} {test_split} images; '
          f'{channels} channel(s), mean {mean}, std {std}.')
    for kind, path in paths.items():
        print(f'  {kind}: {path}')
    print(f"Next: python tools/train.py {paths['teacher']}\n"
          f"      python tools/train.py {paths['cpsc']}")


if __name__ == '__main__':
    sys.exit(main())
