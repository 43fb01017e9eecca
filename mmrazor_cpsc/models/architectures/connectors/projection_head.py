"""Projection head mapping student features to the teacher's width."""
from __future__ import annotations

from typing import Dict, Optional

import torch
from mmrazor.models.architectures.connectors.base_connector import \
    BaseConnector
from mmrazor.registry import MODELS
from torch import nn


@MODELS.register_module()
class ProjectionHead(BaseConnector):
    """Linear (or two-layer MLP) projection of pooled features.

    The small head of CPSC-DFKD's contrastive branch that maps the student's
    penultimate feature to the teacher's width when the two differ, so both
    views live in one space. Usable as any MMRazor connector
    (``connector='name'`` in ``loss_forward_mappings``).

    Args:
        in_channels (int): student feature width.
        out_channels (int): teacher feature width.
        hidden_channels (int, optional): adds a hidden layer with ReLU when
            given. Defaults to None (linear).
        init_cfg (dict, optional): mmengine initialisation config.

    Shapes:
        (N, in_channels) or (N, in_channels, H, W) (global-pooled first), or a
        tuple whose last element is one -> (N, out_channels).
    """

    def __init__(self, in_channels: int, out_channels: int,
                 hidden_channels: Optional[int] = None,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(init_cfg)
        self.in_channels = in_channels
        if hidden_channels:
            self.proj = nn.Sequential(
                nn.Linear(in_channels, hidden_channels), nn.ReLU(inplace=True),
                nn.Linear(hidden_channels, out_channels))
        else:
            self.proj = nn.Linear(in_channels, out_channels)

    def forward_train(self, feature) -> torch.Tensor:
        if isinstance(feature, (tuple, list)):
            feature = feature[-1]
        if feature.ndim == 4:
            feature = feature.mean(dim=(2, 3))
        if feature.shape[-1] != self.in_channels:
            raise ValueError(
                f'ProjectionHead expects features of width {self.in_channels}, '
                f'got shape {tuple(feature.shape)}: set in_channels to the '
                'recorded student feature width.')
        return self.proj(feature)
