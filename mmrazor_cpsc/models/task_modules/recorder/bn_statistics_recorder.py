"""Recorder of batch statistics at every BN layer of a model."""
from __future__ import annotations

from typing import List, Optional

import torch
from mmrazor.models.task_modules.recorder.base_recorder import BaseRecorder
from mmrazor.registry import TASK_UTILS
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from ._source import find_source_module


class BNRecord(tuple):
    """``(mean, var, running_mean, running_var)``, a plain 4-tuple to its
    readers, with ``count``: the number of values the statistics are over."""

    count: int = 1


@TASK_UTILS.register_module()
class BNStatisticsRecorder(BaseRecorder):
    """Records, per forward call, the input statistics of every BN layer.

    Feeds :class:`BNStatisticsLoss` (L_BN, DeepInversion's prior) through
    MMRazor's ``ConfigurableDistiller``. Use ``type='BNStatistics'``.

    Args:
        source (str): sub-module to search for BN layers; '' (default) is the
            whole model. A BN layer itself selects just that layer.
        per_sample (bool): record each image's own statistics (over H, W)
            instead of the batch's. Matching those to the running buffers asks
            every single image, not only the batch, to look like a typical
            input; at the first BN layer this stops a generator from drawing
            blank images for a class the teacher recognises by the absence
            of strokes (MNIST's "1"). Defaults to False (DeepInversion's
            batch statistics).

    Record:
        one list per forward call of the source module, holding for each BN
        layer that ran a tuple ``(mean, var, running_mean, running_var)``;
        mean/var are the statistics of the layer's input (biased variance, as
        BN normalises with), of shape (C,) over N, H, W, or with
        ``per_sample`` of shape (N, C) over H, W; the buffers are (C,).
        The tuple's ``count`` attribute is the number of values each
        statistic is over (N*H*W, or H*W), which ``BNStatisticsLoss`` needs
        to combine the statistics of several processes exactly.

    Raises:
        ValueError: at initialisation when the source has no BN layers; BN
        statistics matching is then impossible and must be switched off.
        With ``per_sample``, also at record time when a BN layer's input has
        no spatial dimensions (e.g. ``BatchNorm1d`` on (N, C)).
    """

    def __init__(self, source: str = '', per_sample: bool = False) -> None:
        super().__init__(source)
        self.per_sample = per_sample
        self._recording = False
        self.num_layers = 0

    def prepare_from_model(self, model: Optional[nn.Module] = None) -> None:
        if model is None:
            raise ValueError('BNStatisticsRecorder needs a model to hook.')
        root = find_source_module(model, self.source, 'BNStatisticsRecorder')
        bn_layers = [m for m in root.modules() if isinstance(m, _BatchNorm)
                     and m.track_running_stats]
        if not bn_layers:
            raise ValueError(
                f'BNStatisticsRecorder: {type(model).__name__} has no '
                'BatchNorm layers with running statistics under source '
                f'{self.source!r}, so BN-statistics matching (L_BN) is '
                'unavailable. Remove the BN-statistics loss and its recorder '
                'from the distiller, or use a teacher with BatchNorm.')
        self.num_layers = len(bn_layers)
        root.register_forward_pre_hook(self._start_record)
        for layer in bn_layers:
            layer.register_forward_hook(self._record_layer)

    def _start_record(self, module: nn.Module, args) -> None:
        if self._recording:
            self.data_buffer.append([])

    def _record_layer(self, module: _BatchNorm, inputs, outputs) -> None:
        if not self._recording:
            return
        x = inputs[0]
        if self.per_sample and x.ndim < 3:
            raise ValueError(
                f'BNStatisticsRecorder(per_sample=True): {type(module).__name__}'
                f' got inputs of shape {tuple(x.shape)}, with no spatial '
                'dimensions to take one image\'s statistics over; point '
                '`source` at a convolutional BN layer.')
        first = 2 if self.per_sample else 0
        dims = [d for d in range(first, x.ndim) if d != 1]
        # Under bfloat16 autocast the layer's input is bf16: take its
        # statistics in float32, as the running buffers are (float64 stays
        # float64).
        x = x.to(torch.promote_types(x.dtype, torch.float32))
        mean = x.mean(dim=dims)
        var = x.var(dim=dims, unbiased=False)
        record: List = self.data_buffer[-1]
        stats = BNRecord((mean, var, module.running_mean, module.running_var))
        stats.count = x.numel() // mean.numel()
        record.append(stats)

    def __enter__(self):
        super().__enter__()
        self._recording = True

    def __exit__(self, exc_type, exc_value, traceback):
        self._recording = False
