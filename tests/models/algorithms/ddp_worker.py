"""One rank of the 2-process gloo test (launched by torch.distributed.run).

Trains the MNIST CPSC config for two iterations through mmengine's Runner with
the pytorch launcher, then writes what this rank saw and holds.
"""
import sys

import torch

import mmrazor_cpsc  # noqa: F401
from mmengine.config import Config
from mmengine.dist import get_rank
from mmengine.runner import Runner, get_state_dict
from mmrazor.utils import register_all_modules


def main(config, mnist_root, work_dir, out_prefix):
    register_all_modules(False)
    cfg = Config.fromfile(config)
    cfg.merge_from_dict({
        'model.teacher_ckpt': None,
        'model.generator.hidden_channels': 8,
        'model.student_steps': 2,
        'env_cfg.dist_cfg.backend': 'gloo',
        'train_cfg.max_iters': 2, 'train_cfg.val_interval': 2,
        'train_dataloader.batch_size': 16,
        'val_dataloader.dataset.dataset.data_root': mnist_root,
        'val_dataloader.dataset.per_class': 2,
        'val_dataloader.batch_size': 20,
        'default_hooks.checkpoint.interval': 2,
    })
    cfg.work_dir = work_dir
    cfg.launcher = 'pytorch'
    runner = Runner.from_cfg(cfg)
    algo = runner.model.module
    drawn = []
    sample = algo.sample_labels

    def recording(batch_size, device):
        labels = sample(batch_size, device)
        drawn.append(labels.clone())
        return labels

    algo.sample_labels = recording
    runner.train()
    # Without the DDP wrappers' `module.` segments, as checkpoints store it.
    state = {k: v.detach().clone() for k, v in get_state_dict(algo).items()}
    torch.save({'labels': drawn, 'state': state},
               f'{out_prefix}{get_rank()}.pth')


if __name__ == '__main__':
    from mmrazor_cpsc.compat import exit_distributed_cleanly
    with exit_distributed_cleanly():
        main(*sys.argv[1:])
