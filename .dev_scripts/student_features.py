"""How alive a distilled student is on real images: a collapse diagnosis.

    python .dev_scripts/student_features.py CONFIG CHECKPOINT [CHECKPOINT ...]
        [--images 1000] [--out FILE.json] [--cfg-options k=v ...]

On the config's validation images (every k-th, up to --images): top-1 with
the student's BN in eval mode and with batch statistics, how many distinct
classes it predicts, the fraction of its pooled features (the head's input)
that are exactly zero, and the mean shift (bias) of its last BN layer. A
student whose last ReLU died has all features zero and one prediction, in
both BN modes. Several checkpoints of one run (iter_10.pth iter_20.pth ...)
give a timeline: when the student died.
"""
import argparse
import json

import torch
from mmengine.config import DictAction
from mmengine.dataset import pseudo_collate
from mmengine.registry import DefaultScope

import mmrazor_cpsc  # noqa: F401
from mmrazor_cpsc.utils import read_state_dict, sub_state_dict
from mmrazor_cpsc.utils.cli import errors_as_messages, load_config


def student_features(cfg, checkpoint: str, images: int = 1000) -> dict:
    from mmpretrain.registry import MODELS
    from mmrazor.registry import DATASETS
    student = MODELS.build(cfg.model.architecture)
    student.load_state_dict(
        sub_state_dict(read_state_dict(checkpoint, 'student'),
                       'architecture.'))
    preprocessor = MODELS.build(cfg.model.data_preprocessor)
    with DefaultScope.overwrite_default_scope('mmrazor'):
        dataset = DATASETS.build(cfg.val_dataloader.dataset)
    step = max(1, len(dataset) // images)
    batch = preprocessor(pseudo_collate(
        [dataset[i] for i in range(0, len(dataset), step)][:images]), False)
    x = batch['inputs']
    y = torch.cat([s.gt_label for s in batch['data_samples']])
    record = dict(images=len(y))
    with torch.no_grad():
        for mode in ('eval', 'batch'):
            student.train(mode == 'batch')
            pred = torch.cat([student(x[i:i + 250], mode='tensor').argmax(1)
                              for i in range(0, len(x), 250)])
            record[f'top1_{mode}_bn'] = 100.0 * (pred == y).float().mean(
            ).item()
            record[f'distinct_predictions_{mode}_bn'] = int(
                pred.unique().numel())
        student.eval()
        feats = student.extract_feat(x)
        feats = feats[-1] if isinstance(feats, (list, tuple)) else feats
    record['zero_feature_fraction'] = (feats.abs() < 1e-6).float().mean(
    ).item()
    norms = [m for m in student.modules()
             if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    record['last_bn_mean_shift'] = norms[-1].bias.mean().item()
    return record


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoints', nargs='+', metavar='checkpoint')
    parser.add_argument('--images', type=int, default=1000)
    parser.add_argument('--out', help='write the record as JSON here')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        default={})
    args = parser.parse_args()
    torch.set_num_threads(1)
    cfg = load_config(args.config, args.cfg_options)
    records = []
    for checkpoint in args.checkpoints:
        record = student_features(cfg, checkpoint, args.images)
        record.update(config=args.config, checkpoint=checkpoint)
        print(json.dumps(record), flush=True)
        records.append(record)
    if args.out:
        with open(args.out, 'w') as f:
            # One checkpoint: its record, as before; several: the timeline.
            json.dump(records[0] if len(records) == 1 else records, f,
                      indent=1)


if __name__ == '__main__':
    with errors_as_messages('.dev_scripts/student_features.py'):
        main()
