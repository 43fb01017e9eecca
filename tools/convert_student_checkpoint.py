"""Extract the student of a distillation checkpoint as a plain mmpretrain
checkpoint, optionally with a config for image files and an ONNX export.

    python tools/convert_student_checkpoint.py SRC.pth DST.pth \
        [--config DISTILL_CONFIG [--cfg-options k=v ...]] [--onnx OUT.onnx]

With ``--config`` (the distillation config SRC was trained with) it also
writes ``DST_config.py`` (or ``--out-config``): an mmpretrain config of the
student whose pipeline reads image files as the training data looked (grey
for one-channel students, RGB otherwise), and stores the test set's class
names in DST, so that

    from mmpretrain.apis import ImageClassificationInferencer
    inferencer = ImageClassificationInferencer('DST_config.py',
                                               pretrained='DST.pth')
    inferencer('x.png')

names the class. ``--onnx`` exports the student with its normalisation
(float pixels 0-255 in, logits out, dynamic batch), runs the file through
onnxruntime and fails when it differs from PyTorch by more than 1e-4;
``OUT.onnx.json`` records the input layout and class names.
"""
import argparse
import os.path as osp

from mmengine.config import DictAction

import mmrazor_cpsc  # noqa: F401  (registries, compatibility fixes)
from mmrazor_cpsc.deployment import (dataset_class_names, export_onnx,
                                    export_student, image_size_of,
                                    student_deploy_config)
from mmrazor_cpsc.utils.cli import errors_as_messages, load_config

ONNX_TOLERANCE = 1e-4


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src',
                        help='distillation checkpoint (e.g. iter_N.pth)')
    parser.add_argument('dst', help='output student checkpoint')
    parser.add_argument('--prefix', default='architecture.',
                        help='key prefix of the student (default: '
                        '%(default)s)')
    parser.add_argument('--config', help='the distillation config of SRC')
    parser.add_argument('--out-config',
                        help='student config to write (default: '
                        'DST_config.py)')
    parser.add_argument('--onnx', help='also export the student to this file')
    parser.add_argument('--image-size', type=int,
                        help='input size for --onnx (default: the '
                        "generator's img_size)")
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        default={}, help='overrides of --config')
    args = parser.parse_args()
    if (args.onnx or args.out_config) and not args.config:
        parser.error('--onnx and --out-config need --config (the '
                     'distillation config SRC was trained with).')
    return args


def main():
    args = parse_args()
    if not args.config:
        student = export_student(args.src, args.dst, args.prefix)
        print(f'Wrote {len(student)} student tensors to {args.dst}')
        return
    cfg = load_config(args.config, args.cfg_options)
    deploy = student_deploy_config(cfg)
    student = export_student(args.src, args.dst, args.prefix,
                             dataset_meta=dict(
                                 classes=dataset_class_names(cfg)))
    out_config = args.out_config or osp.splitext(args.dst)[0] + '_config.py'
    deploy.dump(out_config)
    print(f'Wrote {len(student)} student tensors to {args.dst} and its '
          f'config to {out_config}')
    if args.onnx:
        record = export_onnx(deploy, args.dst, args.onnx,
                             image_size_of(cfg, args.image_size))
        diff = record['max_abs_diff_vs_pytorch']
        if diff > ONNX_TOLERANCE:
            raise SystemExit(f'{args.onnx}: onnxruntime differs from PyTorch '
                             f'by {diff:.2e} (> {ONNX_TOLERANCE}); do not '
                             'deploy this file.')
        print(f'Wrote {args.onnx} (onnxruntime vs PyTorch: max |diff| '
              f'{diff:.2e}) and {args.onnx}.json')


if __name__ == '__main__':
    with errors_as_messages('tools/convert_student_checkpoint.py'):
        main()
