"""LeNet-5 with BatchNorm, for the MNIST teacher/student pair of DFKD papers."""
from __future__ import annotations

from typing import Dict, Optional, Sequence, Tuple

import torch
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS
from torch import nn


@MODELS.register_module()
class LeNet5BN(BaseModule):
    """LeNet-5 with BN after every convolution (registered in mmpretrain).

    The MNIST pair of DAFL/CPSC: the teacher ``LeNet-5`` (channels 6/16/120,
    fc 84) and the student ``LeNet-5-half`` (channels 3/8/60, fc 42). The
    teacher needs BN for the BN-statistics loss; mmpretrain's ``LeNet5`` has
    none (Tanh + AvgPool). The classifier is left to the head
    (``LinearClsHead(in_channels=fc_channels)``), so the penultimate feature
    is the head's input, as in every mmpretrain classifier::

        [conv5x5 -> BN -> ReLU -> maxpool2] x 2 -> conv5x5 -> BN -> ReLU
        -> flatten -> Linear(channels[2] -> fc_channels) -> ReLU

    Args:
        in_channels (int): image channels. Defaults to 1.
        channels (Sequence[int]): widths of the three convolutions.
            Defaults to (6, 16, 120); LeNet-5-half uses (3, 8, 60).
        fc_channels (int): width of the penultimate feature. Defaults to 84;
            LeNet-5-half uses 42.
        init_cfg (dict, optional): mmengine initialisation config.

    Shapes:
        (N, in_channels, 32, 32) -> tuple with one (N, fc_channels) tensor.
    """

    def __init__(self, in_channels: int = 1,
                 channels: Sequence[int] = (6, 16, 120),
                 fc_channels: int = 84,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if len(channels) != 3:
            raise ValueError(f'LeNet5BN: channels needs three widths, got '
                             f'{tuple(channels)}.')
        c1, c2, c3 = channels
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, c1, 5), nn.BatchNorm2d(c1), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(c1, c2, 5), nn.BatchNorm2d(c2), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(c2, c3, 5), nn.BatchNorm2d(c3), nn.ReLU())
        self.fc = nn.Sequential(nn.Linear(c3, fc_channels), nn.ReLU())

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor]:
        # Skipped while torch.fx traces the model (e.g. MMRazor's
        # quantization): a check on a traced shape is control flow fx refuses.
        if not isinstance(x, torch.fx.Proxy) and x.shape[-2:] != (32, 32):
            raise ValueError(
                'LeNet5BN expects 32x32 inputs (MNIST resized to 32, as in '
                f"mmpretrain's lenet5_mnist), got {tuple(x.shape[-2:])}.")
        return (self.fc(self.features(x).flatten(1)), )
