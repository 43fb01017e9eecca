"""Wide residual networks WRN-d-k for CIFAR-size inputs (DFKD model family)."""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS
from torch import nn


class _PreActBasicBlock(nn.Module):
    """Two 3x3 convolutions, each preceded by BN and ReLU (pre-activation).

    When the block changes width or resolution, the shortcut is a 1x1
    convolution applied to the *activated* input (the same BN+ReLU that feeds
    the first convolution); otherwise it is the identity on the raw input.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int,
                 drop_rate: float) -> None:
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_channels)
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride,
                               padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, stride=1,
                               padding=1, bias=False)
        self.drop_rate = drop_rate
        self.projection: Optional[nn.Conv2d] = None
        if stride != 1 or in_channels != out_channels:
            self.projection = nn.Conv2d(in_channels, out_channels, 1,
                                        stride=stride, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pre = F.relu(self.bn1(x))
        shortcut = x if self.projection is None else self.projection(pre)
        out = self.conv1(pre)
        out = F.relu(self.bn2(out))
        if self.drop_rate > 0:
            out = F.dropout(out, p=self.drop_rate, training=self.training)
        return shortcut + self.conv2(out)


@MODELS.register_module()
class WideResNet_CIFAR(BaseModule):
    """Wide residual network WRN-``depth``-``widen_factor`` for small images.

    The CIFAR variant of Zagoruyko & Komodakis (registered in mmpretrain),
    used as teacher/student by DFKD papers (WRN-40-2 -> WRN-16-2, WRN-16-1,
    WRN-40-1). With ``n = (depth - 4) / 6`` and ``k = widen_factor``::

        conv3x3(in -> 16)
        -> group 1: n pre-activation basic blocks, width 16k, stride 1
        -> group 2: n blocks, width 32k, first block stride 2
        -> group 3: n blocks, width 64k, first block stride 2
        -> BN -> ReLU

    A pre-activation basic block is ``BN-ReLU-conv3x3-BN-ReLU-[dropout]-
    conv3x3`` plus a shortcut (1x1 convolution when the shape changes). The
    depth counts the stem, the two convolutions of every block (6n) and the
    classifier. Pooling and the classifier are left to the neck and head
    (``GlobalAveragePooling`` + ``LinearClsHead(in_channels=64k)``), so the
    penultimate feature is the head's input as in every mmpretrain
    classifier. Sizes: WRN-40-2 ~2.2M parameters, WRN-16-2 ~0.7M, WRN-16-1
    ~0.17M.

    Args:
        depth (int): total depth; ``(depth - 4) % 6 == 0`` (16, 22, 28, 40...).
            Defaults to 16.
        widen_factor (int): width multiplier k. Defaults to 1.
        drop_rate (float): dropout between the two convolutions of a block.
            Defaults to 0.0.
        in_channels (int): image channels. Defaults to 3.
        init_cfg (dict | list[dict], optional): mmengine initialisation
            config. Defaults to Kaiming-normal (fan_out) convolutions and
            BN weight 1 / bias 0.

    Shapes:
        (N, in_channels, H, W) -> tuple with one (N, 64k, H/4, W/4) tensor
        (8x8 for 32x32 inputs, 16x16 for 64x64).

    Reference:
        S. Zagoruyko, N. Komodakis, "Wide Residual Networks", BMVC 2016
        (arXiv:1605.07146).
    """

    def __init__(self,
                 depth: int = 16,
                 widen_factor: int = 1,
                 drop_rate: float = 0.0,
                 in_channels: int = 3,
                 init_cfg: Optional[Union[Dict, List[Dict]]] = None) -> None:
        if init_cfg is None:
            init_cfg = [
                dict(type='Kaiming', layer='Conv2d', mode='fan_out',
                     nonlinearity='relu'),
                dict(type='Constant', layer='BatchNorm2d', val=1, bias=0),
            ]
        super().__init__(init_cfg=init_cfg)
        if not isinstance(depth, int) or depth < 10 or (depth - 4) % 6:
            raise ValueError(
                f'WideResNet_CIFAR: depth must satisfy (depth - 4) % 6 == 0 '
                f'with at least one block per group (10, 16, 22, 28, 40, '
                f'...), got {depth!r}.')
        if not isinstance(widen_factor, int) or widen_factor < 1:
            raise ValueError('WideResNet_CIFAR: widen_factor must be an '
                             f'integer >= 1, got {widen_factor!r}.')
        if not 0.0 <= drop_rate < 1.0:
            raise ValueError('WideResNet_CIFAR: drop_rate must be in [0, 1), '
                             f'got {drop_rate!r}.')
        self.depth = depth
        self.widen_factor = widen_factor
        blocks_per_group = (depth - 4) // 6
        widths = [16 * widen_factor, 32 * widen_factor, 64 * widen_factor]
        self.out_channels = widths[-1]

        self.stem = nn.Conv2d(in_channels, 16, 3, padding=1, bias=False)
        groups = []
        channels = 16
        for width, stride in zip(widths, (1, 2, 2)):
            blocks = []
            for i in range(blocks_per_group):
                blocks.append(
                    _PreActBasicBlock(channels, width, stride if i == 0 else 1,
                                      drop_rate))
                channels = width
            groups.append(nn.Sequential(*blocks))
        self.groups = nn.Sequential(*groups)
        # The blocks are pre-activation: the last one's output is still raw.
        self.final_bn = nn.BatchNorm2d(channels)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor]:
        x = self.groups(self.stem(x))
        return (F.relu(self.final_bn(x)), )
