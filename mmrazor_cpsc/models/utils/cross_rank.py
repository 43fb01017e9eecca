"""Cross-rank reductions for the batch-coupled terms of CPSC (issue 33).

With N processes each holding a local batch of B images, the method must see
the global batch of N*B images, as one process with batch N*B would. Every
helper here follows one convention, which is what makes the parameter update
of N processes equal to the update of one:

    sum over ranks r of loss_r  =  N * (the one-process loss)

DDP averages the ranks' gradients, and every collective below carries its
gradient back with a *sum* over ranks, so the averaged gradient is exactly the
one-process gradient. Per-sample means over the local batch (KL, CE) satisfy
the convention as they are; a term that couples the batch either returns the
mean over its local anchors of a quantity computed on the gathered batch
(the contrastive loss), or returns the global value on every rank (the BN
statistics): both sum to N times the one-process value. All ranks must hold
local batches of the same size.

Only torch.distributed collectives are used; nothing runs when the world
size is 1, so single-process results are bit-for-bit those of the plain
formulas.
"""
from __future__ import annotations

import contextlib
from typing import Iterator, List

import torch
import torch.distributed as dist
from mmengine.dist import get_rank, get_world_size
from torch import nn
from torch.autograd import Function

_local_only = False


@contextlib.contextmanager
def local_only() -> Iterator[None]:
    """Within this context no helper communicates (e.g. a dry run that one
    rank may perform alone, or at build time)."""
    global _local_only
    previous, _local_only = _local_only, True
    try:
        yield
    finally:
        _local_only = previous


def across_ranks(enabled: bool = True) -> bool:
    """Whether a component switched ``enabled`` should gather now: more than
    one process and not inside :func:`local_only`."""
    return enabled and not _local_only and get_world_size() > 1


class _GatherWithGrad(Function):
    """All-gather along dim 0 whose backward returns to each rank the sum over
    ranks of the gradients of its own slot."""

    @staticmethod
    def forward(ctx, tensor: torch.Tensor) -> torch.Tensor:
        tensor = tensor.contiguous()
        parts = [torch.empty_like(tensor) for _ in range(get_world_size())]
        dist.all_gather(parts, tensor)
        ctx.rows = tensor.shape[0]
        return torch.cat(parts)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        # Every rank's loss depends on every slot: the local slot's gradient
        # is the sum of all ranks' gradients for it. One all-reduce of the
        # whole gradient is available on every backend (gloo has no
        # reduce-scatter); the slices are small (B x D features).
        grad = grad.contiguous().clone()
        dist.all_reduce(grad)
        start = get_rank() * ctx.rows
        return grad[start:start + ctx.rows]


def gather_with_grad(tensor: torch.Tensor) -> torch.Tensor:
    """``tensor`` of every rank concatenated along dim 0, rank order:
    (B, ...) -> (N*B, ...). Differentiable: the local slot receives the sum
    over ranks of its gradients."""
    return _GatherWithGrad.apply(tensor)


def gather_no_grad(tensor: torch.Tensor) -> torch.Tensor:
    """(B, ...) -> (N*B, ...) in rank order, for labels and other constants."""
    parts = [torch.empty_like(tensor) for _ in range(get_world_size())]
    dist.all_gather(parts, tensor.contiguous())
    return torch.cat(parts)


class _AllReduceWithGrad(Function):
    """Sum over ranks, whose backward is the same sum of the gradients."""

    @staticmethod
    def forward(ctx, tensor: torch.Tensor) -> torch.Tensor:
        total = tensor.contiguous().clone()
        dist.all_reduce(total)
        return total

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        grad = grad.contiguous().clone()
        dist.all_reduce(grad)
        return grad


def all_reduce_with_grad(tensor: torch.Tensor) -> torch.Tensor:
    """Sum over ranks; the backward sums the incoming gradients over ranks
    too (SyncBN's rule), so each rank's local summand gets the gradient of
    every rank's use of the total."""
    return _AllReduceWithGrad.apply(tensor)


def global_mean(values: torch.Tensor) -> torch.Tensor:
    """Mean of ``values`` over every element of every rank, the same scalar
    on all ranks; differentiable for the local part. For a loss that is a
    non-linear function of a batch mean (e.g. log(MSE)): returned on every
    rank, it sums over ranks to N times the one-process loss."""
    packed = torch.stack([values.sum(),
                          values.new_tensor(float(values.numel()))])
    total = all_reduce_with_grad(packed)
    return total[0] / total[1]


def global_moments(mean: torch.Tensor, var: torch.Tensor,
                   count: float) -> List[torch.Tensor]:
    """Global mean and biased variance from each rank's local ones.

    With local (C,) ``mean_r``, ``var_r`` over ``n_r = count`` values::

        mean = sum_r n_r mean_r / n
        var  = (sum_r n_r var_r + sum_r n_r mean_r^2) / n - mean^2

    i.e. ``E[x^2] - mean^2`` from the all-reduced sums of x and x^2, with the
    within-rank part kept apart so only the spread of the rank means cancels.
    One all-reduce of 3C+1 numbers; exact, not an average of the ranks'
    variances. Differentiable for the local part.

    Returns:
        [mean (C,), var (C,), n (scalar tensor)].
    """
    c = mean.shape[0]
    n_local = torch.full((1, ), float(count), dtype=mean.dtype,
                         device=mean.device)
    packed = torch.cat([n_local * mean, n_local * var,
                        n_local * mean * mean, n_local])
    total = all_reduce_with_grad(packed)
    n = total[-1]
    global_mean = total[:c] / n
    global_var = (total[c:2 * c] + total[2 * c:3 * c]) / n - \
        global_mean * global_mean
    return [global_mean, global_var, n]


class _CrossRankBatchNorm:
    """BatchNorm whose training-mode statistics are those of the global batch.

    In training mode with more than one process, for input x of shape
    (B, C, *) the mean and biased variance over (B, *) of all ranks
    (:func:`global_moments`) normalise x, and the running buffers are updated
    with them (unbiased variance, n / (n - 1)), as one process with the
    global batch would. In eval mode, or with one process, it is the plain
    BatchNorm. Works on any device and backend (``torch.nn.SyncBatchNorm``
    runs on GPUs only, so it cannot serve CPU/gloo runs).
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not (self.training and across_ranks()):
            return super().forward(x)
        self._check_input_dim(x)
        dims = [0] + list(range(2, x.ndim))
        count = x.numel() // x.shape[1]
        # Moments in float32 at least (bf16 under CPU autocast), as the
        # running buffers are; the output keeps the input's dtype.
        out_dtype = x.dtype
        x = x.to(torch.promote_types(x.dtype, torch.float32))
        mean, var, n = global_moments(x.mean(dims),
                                      x.var(dims, unbiased=False), count)
        if self.track_running_stats:
            with torch.no_grad():
                self.num_batches_tracked.add_(1)
                factor = (1.0 / float(self.num_batches_tracked)
                          if self.momentum is None else self.momentum)
                self.running_mean.lerp_(mean.detach(), factor)
                unbiased = var.detach() * n / (n - 1).clamp(min=1)
                self.running_var.lerp_(unbiased, factor)
        shape = [1, -1] + [1] * (x.ndim - 2)
        out = (x - mean.view(shape)) * torch.rsqrt(var.view(shape) + self.eps)
        if self.affine:
            out = out * self.weight.view(shape) + self.bias.view(shape)
        return out.to(out_dtype)


class CrossRankBatchNorm1d(_CrossRankBatchNorm, nn.BatchNorm1d):
    """:class:`nn.BatchNorm1d` on the global batch (see _CrossRankBatchNorm)."""


class CrossRankBatchNorm2d(_CrossRankBatchNorm, nn.BatchNorm2d):
    """:class:`nn.BatchNorm2d` on the global batch (see _CrossRankBatchNorm)."""


class CrossRankBatchNorm3d(_CrossRankBatchNorm, nn.BatchNorm3d):
    """:class:`nn.BatchNorm3d` on the global batch (see _CrossRankBatchNorm)."""


_CROSS_RANK = {nn.BatchNorm1d: CrossRankBatchNorm1d,
               nn.BatchNorm2d: CrossRankBatchNorm2d,
               nn.BatchNorm3d: CrossRankBatchNorm3d}


def convert_cross_rank_batchnorm(module: nn.Module) -> nn.Module:
    """Replace every plain BatchNorm{1,2,3}d under ``module`` by its
    cross-rank version, sharing the parameters and buffers. Returns the
    (possibly new) module. Hooks registered on a replaced layer do not carry
    over: convert before recorders are prepared."""
    new_cls = _CROSS_RANK.get(type(module))
    if new_cls is not None:
        converted = new_cls(module.num_features, module.eps, module.momentum,
                            module.affine, module.track_running_stats)
        # Share, not copy: the tensors (and their device) stay the same.
        for name, param in module.named_parameters(recurse=False):
            setattr(converted, name, param)
        for name, buffer in module.named_buffers(recurse=False):
            setattr(converted, name, buffer)
        converted.train(module.training)
        return converted
    for name, child in module.named_children():
        new_child = convert_cross_rank_batchnorm(child)
        if new_child is not child:
            setattr(module, name, new_child)
    return module
