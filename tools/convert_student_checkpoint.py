"""Extract the student of a distillation checkpoint as a plain mmpretrain checkpoint.

    python tools/convert_student_checkpoint.py SRC.pth DST.pth

Then e.g. ``python tools/test.py STUDENT_CONFIG DST.pth`` or mmpretrain's own
tools/inference with the student's classifier config.
"""
import argparse

from mmrazor_cpsc.utils import export_student


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='distillation checkpoint (e.g. iter_N.pth)')
    parser.add_argument('dst', help='output student checkpoint')
    parser.add_argument('--prefix', default='architecture.',
                        help='key prefix of the student (default: %(default)s)')
    args = parser.parse_args()
    student = export_student(args.src, args.dst, args.prefix)
    print(f'Wrote {len(student)} student tensors to {args.dst}')


if __name__ == '__main__':
    main()
