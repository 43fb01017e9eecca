"""Per-iteration communication of CPSC on 1, 2 and 4 gloo processes.

    python .dev_scripts/scaling_gloo.py OUT.json [--procs 1 2 4] \
        [--global-batch 64] [--iters 4]

Starts `torchrun --nproc_per_node N` of this file for each N (loopback, CPU,
one thread per process). Each rank builds the MNIST CPSC config (LeNet-5-BN
-> LeNet-5-half, generator width 32), wraps it with mmengine's
MMSeparateDistributedDataParallel and runs train_step on its share of a fixed
global batch. Every collective is counted and timed where it is issued:
torch.distributed's all_reduce / all_gather / broadcast (the cross-rank terms
of CPSC and mmengine's all_reduce_params) and DDP's gradient buckets (a comm
hook doing what DDP's default one does, synchronously). Bytes are the
tensors handed to each collective on one rank (for all_gather, the gathered
result). The model sizes of the paper's ResNet-34 -> ResNet-18 pair (BN
channels, layers, parameters) are read from the built models for the
extrapolation in docs/notes/scaling.md.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import tempfile
import time

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
MNIST = osp.join(REPO, 'configs/cpsc/cpsc_lenet5bn_lenet5half_mnist.py')
PAPER = osp.join(REPO, 'configs/cpsc/cpsc_resnet34_resnet18_cifar100.py')


class Ledger:
    """Bytes, calls and seconds per kind of collective, on this rank."""

    def __init__(self):
        self.entries = {}
        self.active = False

    def add(self, kind: str, nbytes: int, seconds: float) -> None:
        if not self.active:
            return
        entry = self.entries.setdefault(kind, [0, 0, 0.0])
        entry[0] += 1
        entry[1] += nbytes
        entry[2] += seconds


def instrument(ledger: Ledger) -> None:
    import torch.distributed as dist

    def timed(kind, original, nbytes_of):
        def wrapper(*args, **kwargs):
            # mmengine's all_reduce_params (the projection head's gradients)
            # is DDP-like traffic, not one of the cross-rank terms.
            frame, label = sys._getframe(1), kind
            for _ in range(3):
                if frame is None:
                    break
                if frame.f_code.co_name == 'all_reduce_params':
                    label = 'mmengine_params'
                frame = frame.f_back
            start = time.perf_counter()
            result = original(*args, **kwargs)
            ledger.add(label, nbytes_of(*args), time.perf_counter() - start)
            return result
        return wrapper

    def size(t):
        return t.numel() * t.element_size()

    dist.all_reduce = timed('all_reduce', dist.all_reduce,
                            lambda t, *a: size(t))
    dist.all_gather = timed('all_gather', dist.all_gather,
                            lambda out, t, *a: sum(size(o) for o in out))
    dist.broadcast = timed('broadcast', dist.broadcast,
                           lambda t, *a: size(t))


def ddp_hook(ledger: Ledger):
    import torch
    import torch.distributed as dist
    original = dist.all_reduce  # before instrument(): not counted twice

    def hook(state, bucket):
        buffer = bucket.buffer().div_(dist.get_world_size())
        start = time.perf_counter()
        original(buffer)
        ledger.add('ddp_gradients', buffer.numel() * buffer.element_size(),
                   time.perf_counter() - start)
        future = torch.futures.Future()
        future.set_result(buffer)
        return future
    return hook


def _macs_per_image(algo) -> dict:
    """Multiply-accumulates of one forward per 32x32 image (mmengine's
    FlopAnalyzer, which counts a multiply-add as one)."""
    import torch
    from mmengine.analysis import FlopAnalyzer
    from torch import nn

    class Classifier(nn.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, x):
            return self.model(x, None, mode='tensor')

    class Generator(Classifier):
        def forward(self, z, y):
            return self.model(z, y)

    algo.eval()
    image = torch.randn(1, 3, 32, 32)
    macs = {}
    for part in ('teacher', 'architecture'):
        macs[part] = FlopAnalyzer(Classifier(getattr(algo, part)), (
            image, )).unsupported_ops_warnings(False).total()
    z, y = torch.randn(2, algo.latent_dim), torch.tensor([0, 1])
    macs['generator'] = FlopAnalyzer(Generator(algo.generator), (z, y)) \
        .unsupported_ops_warnings(False).total() // 2
    return macs


def collectives_per_iteration(sizes: dict, global_batch: int) -> dict:
    """Calls and bytes (handed to collectives, per rank) of the cross-rank
    terms in one iteration, counted from the algorithm's code path:

    generator step: labels (1 broadcast of the global batch's int64),
      generator BN forward + backward (2 per layer), student BN forward +
      backward (2 per layer: the generator's gradient passes through the
      student), contrast (gathers of student and teacher features and of
      labels, 2 backward all-reduces of the gathered gradients), BN loss
      (1 forward + 1 backward all-reduce of 3C+L numbers);
    student step: labels, generator BN forward (no gradient), student BN
      forward + backward.
    Each BN layer all-reduces 3C+1 float32 numbers (n*mean, n*var,
    n*mean^2, n).
    """
    f32, i64 = 4, 8
    g, s, t = (sizes[k] for k in ('generator', 'architecture', 'teacher'))
    d = sizes['feature_dim']

    def bn(part):
        return (3 * part['bn_channels'] + part['bn_layers']) * f32
    labels = global_batch * i64
    features = 2 * global_batch * d * f32
    gen_calls = 1 + 2 * g['bn_layers'] + 2 * s['bn_layers'] + 5 + 2
    gen_bytes = (labels + 2 * bn(g) + 2 * bn(s) + features + labels +
                 features + 2 * bn(t))
    stu_calls = 1 + g['bn_layers'] + 2 * s['bn_layers']
    stu_bytes = labels + bn(g) + 2 * bn(s)
    gs, ss = sizes['generator_steps'], sizes['student_steps']
    # With batchnorm_across_ranks=False only the losses and labels remain.
    without_bn = gs * (1 + 5 + 2) + ss * 1
    return dict(calls=gs * gen_calls + ss * stu_calls,
                calls_without_batchnorm_sync=without_bn,
                bytes=gs * gen_bytes + ss * stu_bytes,
                generator_step=dict(calls=gen_calls, bytes=gen_bytes),
                student_step=dict(calls=stu_calls, bytes=stu_bytes))


def model_sizes(config: str, generator_width=None, macs: bool = True
                ) -> dict:
    """BN layers/channels, parameters and MACs of a config's models."""
    from mmengine.config import Config
    from mmrazor.registry import MODELS
    from torch import nn
    cfg = Config.fromfile(config)
    cfg.model.teacher_ckpt = None
    if generator_width:
        cfg.model.generator.hidden_channels = generator_width
    from mmrazor_cpsc.models.utils.cross_rank import local_only
    with local_only():
        algo = MODELS.build(cfg.model)
    sizes = {}
    for part in ('teacher', 'architecture', 'generator'):
        module = getattr(algo, part)
        bns = [m for m in module.modules()
               if isinstance(m, nn.modules.batchnorm._BatchNorm)]
        sizes[part] = dict(
            bn_layers=len(bns), bn_channels=sum(m.num_features for m in bns),
            parameters=sum(p.numel() for p in module.parameters()))
    sizes['projection_head_parameters'] = sum(
        p.numel() for p in algo.generator_distiller.parameters())
    if macs:
        sizes['macs_per_image'] = _macs_per_image(algo)
    sizes['feature_dim'] = cfg.model.generator_distiller.connectors.proj[
        'out_channels']
    sizes['generator_steps'] = cfg.model.generator_steps
    sizes['student_steps'] = cfg.model.student_steps
    return sizes


def microbenchmark() -> dict:
    """Back-to-back all-reduces after a barrier: the per-call cost of a
    small collective (the size of one BN layer's moments) without waiting
    for a slower rank, and of a gradient-sized one."""
    import torch
    import torch.distributed as dist
    result = {}
    for name, numel, repeats in (('small_us', 3 * 64 + 1, 200),
                                 ('grad_2mb_us', 2 ** 19, 20)):
        tensor = torch.zeros(numel)
        dist.barrier()
        start = time.perf_counter()
        for _ in range(repeats):
            dist.all_reduce(tensor)
        result[name] = 1e6 * (time.perf_counter() - start) / repeats
    return result


def worker(out: str, global_batch: int, iters: int) -> None:
    import torch
    import mmrazor_cpsc  # noqa: F401
    from mmengine.config import Config
    from mmengine.dist import get_rank, get_world_size, init_dist
    from mmengine.model import (MMSeparateDistributedDataParallel,
                                is_model_wrapper)
    from mmengine.optim import build_optim_wrapper
    from mmrazor.registry import MODELS
    from mmrazor.utils import register_all_modules
    register_all_modules(False)
    init_dist('pytorch', backend='gloo')
    torch.set_num_threads(1)
    ledger = Ledger()
    hook = ddp_hook(ledger)
    instrument(ledger)
    cfg = Config.fromfile(MNIST)
    cfg.model.teacher_ckpt = None
    cfg.model.generator.hidden_channels = 32
    torch.manual_seed(0)
    algo = MODELS.build(cfg.model)
    model = MMSeparateDistributedDataParallel(
        module=algo, broadcast_buffers=False, find_unused_parameters=False)
    for _, child in algo.named_children():
        if is_model_wrapper(child):
            child.register_comm_hook(None, hook)
    optim_wrapper = build_optim_wrapper(algo, cfg.optim_wrapper)
    world = get_world_size()
    batch = global_batch // world
    data = {'inputs': [None] * batch}
    model.train_step(data, optim_wrapper)  # warm-up
    times = []
    ledger.active = True
    for _ in range(iters):
        start = time.perf_counter()
        model.train_step(data, optim_wrapper)
        times.append(time.perf_counter() - start)
    ledger.active = False
    result = dict(
        latency=microbenchmark(), rank=get_rank(), world_size=world,
        batch_per_process=batch,
        iteration_seconds=sum(times) / iters,
        collectives={kind: dict(calls=c / iters, bytes=b / iters,
                                seconds=s / iters)
                     for kind, (c, b, s) in ledger.entries.items()})
    with open(f'{out}.rank{get_rank()}.json', 'w') as f:
        json.dump(result, f)


def summarise(per_rank: list) -> dict:
    """Rank 0's counts and bytes (all ranks issue the same collectives); the
    slowest rank's times."""
    first = per_rank[0]
    kinds = sorted({k for r in per_rank for k in r['collectives']})
    out = dict(world_size=first['world_size'],
               batch_per_process=first['batch_per_process'],
               iteration_seconds=round(max(r['iteration_seconds']
                                           for r in per_rank), 4))
    method = dict(calls=0, bytes=0, seconds=0.0)
    ddp = dict(calls=0, bytes=0, seconds=0.0)
    out['all_reduce_latency_us'] = dict(
        small=round(max(r['latency']['small_us'] for r in per_rank), 1),
        two_mib=round(max(r['latency']['grad_2mb_us'] for r in per_rank), 1))
    for kind in kinds:
        rows = [r['collectives'].get(kind, dict(calls=0, bytes=0,
                                                 seconds=0.0))
                for r in per_rank]
        target = (ddp if kind in ('ddp_gradients', 'mmengine_params')
                  else method)
        target['calls'] += rows[0]['calls']
        target['bytes'] += rows[0]['bytes']
        target['seconds'] += max(r['seconds'] for r in rows)
    for entry in (method, ddp):
        entry['seconds'] = round(entry['seconds'], 4)
        entry['kib'] = round(entry['bytes'] / 1024, 1)
        entry['us_per_call'] = (round(1e6 * entry['seconds'] /
                                      entry['calls'], 1)
                                if entry['calls'] else None)
    out['cross_rank_terms'] = method
    out['gradient_sync'] = ddp  # DDP buckets + the projection head's
    out['collective_share'] = round(
        (method['seconds'] + ddp['seconds']) / out['iteration_seconds'], 3)
    return out


# Interconnect and GPU figures the extrapolation assumes (not measured here:
# this machine has no GPU); replace them with your cluster's.
ASSUMPTIONS = dict(
    latency_us_intra_node=15,     # small NCCL all-reduce, NVLink node
    latency_us_inter_node=40,     # small NCCL all-reduce across nodes
    bus_gbytes_per_s_intra_node=100,
    bus_gbytes_per_s_inter_node=12,   # 100 Gb/s InfiniBand
    effective_tflops_per_gpu=20,  # sustained on 32x32 ResNets
)


def extrapolate(sizes: dict, global_batch: int, terms: dict) -> dict:
    """Per-iteration time of the cross-rank terms against compute and DDP's
    gradient all-reduce, for the paper's pair at a fixed global batch.

    compute = 2 * MACs * global_batch / N / F, with MACs per image per
      iteration = G * 3 * (gen + teacher + student)   (forward + backward)
                + S * (gen + teacher + 3 * student);
    cross-rank = calls * latency + 2 (N-1)/N * bytes / bus bandwidth
      (ring all-reduce traffic, an upper bound for the gathers);
    DDP = 2 (N-1)/N * 4 bytes * (G * (generator + head) + S * student
      parameters) / bus bandwidth (latency negligible: a few buckets).
    """
    a = ASSUMPTIONS
    m = sizes['macs_per_image']
    gs, ss = sizes['generator_steps'], sizes['student_steps']
    macs = (gs * 3 * (m['generator'] + m['teacher'] + m['architecture']) +
            ss * (m['generator'] + m['teacher'] + 3 * m['architecture']))
    grad_bytes = 4 * (gs * (sizes['generator']['parameters'] +
                            sizes['projection_head_parameters']) +
                      ss * sizes['architecture']['parameters'])
    setups = []
    for name, procs, where in (('1 node x 8 GPUs', 8, 'intra_node'),
                               ('2 nodes x 4 GPUs', 8, 'inter_node'),
                               ('2 nodes x 8 GPUs', 16, 'inter_node'),
                               ('4 nodes x 8 GPUs', 32, 'inter_node'),
                               ('8 nodes x 8 GPUs', 64, 'inter_node')):
        ring = 2 * (procs - 1) / procs
        bandwidth = a[f'bus_gbytes_per_s_{where}'] * 1e9
        compute = 2 * macs * global_batch / procs / (
            a['effective_tflops_per_gpu'] * 1e12)
        latency = terms['calls'] * a[f'latency_us_{where}'] * 1e-6
        volume = ring * terms['bytes'] / bandwidth
        ddp = ring * grad_bytes / bandwidth
        setups.append(dict(
            setup=name, processes=procs, batch_per_process=global_batch //
            procs, compute_ms=round(1e3 * compute, 1),
            cross_rank_latency_ms=round(1e3 * latency, 1),
            cross_rank_volume_ms=round(1e3 * volume, 2),
            ddp_gradients_ms=round(1e3 * ddp, 1),
            cross_rank_share_of_compute=round((latency + volume) / compute,
                                              3)))
    return dict(assumptions=a, macs_per_image_per_iteration=macs,
                gradient_bytes_per_iteration=grad_bytes, setups=setups)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('out')
    parser.add_argument('--procs', type=int, nargs='+', default=[1, 2, 4])
    parser.add_argument('--global-batch', type=int, default=64)
    parser.add_argument('--iters', type=int, default=4)
    parser.add_argument('--worker', action='store_true')
    args = parser.parse_args()
    if args.worker:
        import mmrazor_cpsc  # noqa: F401
        from mmrazor_cpsc.compat import exit_distributed_cleanly
        with exit_distributed_cleanly():
            worker(args.out, args.global_batch, args.iters)
        return
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for procs in args.procs:
            prefix = osp.join(tmp, f'n{procs}')
            subprocess.run(
                [sys.executable, '-m', 'torch.distributed.run',
                 f'--nproc_per_node={procs}', '--master_port=29577',
                 __file__, prefix, '--worker', '--global-batch',
                 str(args.global_batch), '--iters', str(args.iters)],
                check=True, cwd=REPO, env=dict(os.environ,
                                               OMP_NUM_THREADS='1'))
            per_rank = []
            for rank in range(procs):
                with open(f'{prefix}.rank{rank}.json') as f:
                    per_rank.append(json.load(f))
            runs.append(summarise(per_rank))
    import mmrazor_cpsc  # noqa: F401
    from mmrazor.utils import register_all_modules
    register_all_modules(False)
    result = dict(
        description='CPSC MNIST pair (LeNet-5-BN -> LeNet-5-half, generator '
        'width 32, 1 generator + 7 student updates per iteration), fixed '
        'global batch split over N gloo processes on loopback, one thread '
        'each, on a 2-core machine (4 processes share 2 cores). Per '
        'iteration, per rank.',
        command='python .dev_scripts/scaling_gloo.py '
        f'docs/results/scaling_gloo.json --global-batch {args.global_batch}'
        f' --iters {args.iters}',
        global_batch=args.global_batch, runs=runs,
        counted_from_code=collectives_per_iteration(
            model_sizes(MNIST, 32, macs=False), args.global_batch))
    paper = model_sizes(PAPER)
    result['paper_pair'] = dict(
        config=osp.relpath(PAPER, REPO), sizes=paper, global_batch=512,
        cross_rank_terms=collectives_per_iteration(paper, 512))
    result['extrapolation'] = extrapolate(paper, 512,
                                          result['paper_pair'][
                                              'cross_rank_terms'])
    with open(args.out, 'w') as f:
        json.dump(result, f, indent=2)
        f.write('\n')


if __name__ == '__main__':
    main()
