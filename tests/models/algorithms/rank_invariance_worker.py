"""One rank of the rank-invariance test (launched by torch.distributed.run).

For each teacher/student pair, every rank computes:
* the one-process reference: the algorithm built and stepped with the global
  batch of 2*B images inside ``local_only()`` (no communication at all, plain
  BatchNorm), unwrapped;
* the distributed step: the same algorithm (same initial weights, noise and
  label stream) wrapped by mmengine's MMSeparateDistributedDataParallel,
  stepping on its B images with the cross-rank terms on, and once more with
  each switch off in turn.
Writes the log variables and the trained state of each run to
``{out_prefix}{rank}.pth``; the test compares them.

Float64 throughout (set as the default dtype) so that the one- and
two-process sums differ only by rounding far below the tolerance.
"""
import copy
import sys

import torch

import mmrazor_cpsc  # noqa: F401
from mmengine.config import Config
from mmengine.dist import get_rank, get_world_size
from mmengine.model import MMSeparateDistributedDataParallel
from mmengine.optim import build_optim_wrapper
from mmrazor.registry import MODELS
from mmrazor.utils import register_all_modules

from mmrazor_cpsc.models.utils.cross_rank import local_only

CONFIGS = {
    'mnist': 'configs/cpsc/cpsc_lenet5bn_lenet5half_mnist.py',
    'wrn': 'configs/cpsc/cpsc-paper_wrn16-2_wrn16-1_cifar10.py',
}
GLOBAL_BATCH = 20  # two samples per class of 10
# Each switch of the cross-rank terms: (path in the model config, value off).
SWITCHES = {
    'scl': ('generator_distiller.distill_losses.loss_scl.'
            'gather_across_ranks', False),
    'bn_loss': ('generator_distiller.distill_losses.loss_bn.'
                'gather_across_ranks', False),
    'ikd': ('generator_distiller.distill_losses.loss_adv_ikd.'
            'gather_across_ranks', False),
    'labels': ('labels_across_ranks', False),
    'batchnorm': ('batchnorm_across_ranks', False),
}


def pair_config(pair: str) -> Config:
    cfg = Config.fromfile(CONFIGS[pair])
    model = cfg.model
    model.teacher_ckpt = None
    model.generator_steps = 1
    model.student_steps = 2
    model.student_start_iter = 0
    model.generator.latent_dim = 16
    model.generator.hidden_channels = 8
    if pair == 'wrn':
        model.generator.img_size = 16
    for part in ('architecture', 'generator', 'generator_distiller'):
        wrapper = cfg.optim_wrapper[part]
        if wrapper.get('type') == 'CPUAutocastOptimWrapper':
            wrapper.enabled = False  # bf16 would swamp the comparison
    return cfg


def set_path(cfg: dict, path: str, value) -> None:
    *parents, key = path.split('.')
    for name in parents:
        cfg = cfg[name]
    cfg[key] = value


def fixed_latents(num_steps: int, latent_dim: int):
    """The global batch's noise for each step, from a private stream."""
    rng = torch.Generator().manual_seed(1234)
    return [torch.randn(GLOBAL_BATCH, latent_dim, generator=rng)
            for _ in range(num_steps)]


def trained_state(algo) -> dict:
    return {k.replace('.module.', '.'): v.detach().clone()
            for k, v in algo.state_dict().items()
            if k.startswith(('architecture.', 'generator.',
                             'generator_distiller.'))}


def run(cfg: Config, initial: dict, distributed: bool) -> dict:
    world, rank = get_world_size(), get_rank()
    batch = GLOBAL_BATCH // world if distributed else GLOBAL_BATCH
    torch.manual_seed(0)
    algo = MODELS.build(copy.deepcopy(cfg.model))
    algo.load_state_dict(initial)
    latents = iter(fixed_latents(3, cfg.model.generator.latent_dim))
    offset = rank * batch if distributed else 0

    def sample_latent(batch_size, device):
        return next(latents)[offset:offset + batch_size].to(device)

    algo.sample_latent = sample_latent
    model = algo
    if distributed:
        model = MMSeparateDistributedDataParallel(
            module=algo, broadcast_buffers=False,
            find_unused_parameters=False)
    optim_wrapper = build_optim_wrapper(algo, cfg.optim_wrapper)
    # The label stream: rank 0's global generator draws the global batch,
    # as the one process does from the same seed.
    torch.manual_seed(1)
    log_vars = model.train_step({'inputs': [None] * batch}, optim_wrapper)
    return {'log_vars': {k: float(v) for k, v in log_vars.items()},
            'state': trained_state(algo)}


def main(pair: str, out_prefix: str) -> None:
    register_all_modules(False)
    torch.set_default_dtype(torch.float64)
    results = {}
    for name in pair.split(','):
        cfg = pair_config(name)
        with local_only():
            torch.manual_seed(0)
            initial = MODELS.build(copy.deepcopy(cfg.model)).state_dict()
            results[name, 'reference'] = run(cfg, initial, distributed=False)
        results[name, 'gathered'] = run(cfg, initial, distributed=True)
        for switch, (path, value) in SWITCHES.items():
            off = copy.deepcopy(cfg)
            set_path(off.model, path, value)
            results[name, f'{switch}_off'] = run(off, initial,
                                                 distributed=True)
    torch.save(results, f'{out_prefix}{get_rank()}.pth')


if __name__ == '__main__':
    from mmrazor_cpsc.compat import exit_distributed_cleanly
    from mmengine.dist import init_dist
    init_dist('pytorch', backend='gloo')
    with exit_distributed_cleanly():
        main(*sys.argv[1:])
