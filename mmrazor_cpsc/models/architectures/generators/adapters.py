"""Adapters between CPSC's generator and MMRazor's generator interface."""
from __future__ import annotations

from typing import Dict, Optional

import torch
from mmrazor.models.architectures.generators.base_generator import \
    BaseGenerator
from mmrazor.registry import MODELS
from torch import nn

from ...utils.label_sampling import LABEL_SAMPLING, sample_pseudo_labels


@MODELS.register_module()
class LabelSamplingGenerator(BaseGenerator):
    """A class-conditional generator behind MMRazor's ``G(z)`` interface.

    MMRazor's data-free algorithms (``DataFreeDistillation`` as DFAD or ZSKT,
    ``DAFLDataFreeDistillation``) call ``generator(z, batch_size)`` and pass no
    labels. This adapter draws the labels itself (class-balanced or uniform)
    and calls the wrapped ``G(z, y)``, so a :class:`CPSCGenerator` drops into
    those algorithms unchanged. The labels of the last call are kept in
    ``last_labels`` for losses or hooks that want them.

    Args:
        generator (dict): config of a class-conditional generator with
            ``latent_dim`` and ``num_classes`` (e.g. ``CPSCGenerator``).
        label_sampling (str): 'balanced' or 'uniform'. Defaults to 'balanced'.
        init_cfg (dict, optional): mmengine initialisation config.

    Shapes:
        forward(z=None, batch_size=1): z (N, latent_dim) or None (drawn here)
        -> images (N, C, S, S).
    """

    def __init__(self, generator: Dict, label_sampling: str = 'balanced',
                 init_cfg: Optional[Dict] = None) -> None:
        inner = MODELS.build(generator)
        for attr in ('latent_dim', 'num_classes', 'img_size'):
            if not hasattr(inner, attr):
                raise TypeError(
                    f'LabelSamplingGenerator: {type(inner).__name__} has no '
                    f'`{attr}`; wrap a class-conditional generator such as '
                    'CPSCGenerator.')
        if label_sampling not in LABEL_SAMPLING:
            raise ValueError("LabelSamplingGenerator: label_sampling must be "
                             f"'balanced' or 'uniform', got {label_sampling!r}.")
        super().__init__(img_size=inner.img_size, latent_dim=inner.latent_dim,
                         hidden_channels=getattr(inner, 'hidden_channels', 0),
                         init_cfg=init_cfg)
        self.generator = inner
        self.num_classes = inner.num_classes
        self.label_sampling = label_sampling
        self.last_labels: Optional[torch.Tensor] = None

    def sample_labels(self, batch_size: int) -> torch.Tensor:
        return sample_pseudo_labels(
            batch_size, self.num_classes, self.label_sampling,
            next(self.generator.parameters()).device)

    def forward(self, data: Optional[torch.Tensor] = None,
                batch_size: int = 1) -> torch.Tensor:
        z = self.process_latent(data, batch_size)
        self.last_labels = self.sample_labels(z.shape[0])
        return self.generator(z, self.last_labels)


@MODELS.register_module()
class OutChannelsGenerator(BaseGenerator):
    """Any MMRazor generator, re-headed to emit ``out_channels`` channels.

    MMRazor's ``DAFLGenerator`` and ``ZSKTGenerator`` hard-code 3 output
    channels; MNIST teachers take 1. This adapter builds the generator and
    replaces its last 3-channel convolution (and any 3-channel BN after it)
    by ``out_channels``-channel versions of the same shape, keeping the rest
    of the architecture and its cost class.

    Args:
        generator (dict): config of an MMRazor generator.
        out_channels (int): channels of the output image.
        channels_last (bool): run the wrapped generator's convolutions and
            batch norms in the channels-last memory format, as
            :class:`CPSCGenerator` does (the output is returned contiguous).
            Same numbers up to float rounding, about 2x faster on CPU; it
            keeps benchmarks against CPSC about the methods, not the memory
            layout. Defaults to True.
        init_cfg (dict, optional): mmengine initialisation config.

    Shapes:
        forward(data=None, batch_size=1) -> (N, out_channels, S, S).
    """

    def __init__(self, generator: Dict, out_channels: int,
                 channels_last: bool = True,
                 init_cfg: Optional[Dict] = None) -> None:
        inner = MODELS.build(generator)
        super().__init__(img_size=inner.img_size, latent_dim=inner.latent_dim,
                         hidden_channels=inner.hidden_channels,
                         init_cfg=init_cfg)
        self.out_channels = out_channels
        self.generator = inner
        named = list(inner.named_modules())
        last_conv = max((i for i, (_, m) in enumerate(named)
                         if isinstance(m, nn.Conv2d)), default=None)
        if last_conv is None:
            raise TypeError(f'OutChannelsGenerator: {type(inner).__name__} '
                            'has no convolution to re-head.')
        old_channels = named[last_conv][1].out_channels
        for name, module in named[last_conv:]:
            if isinstance(module, nn.Conv2d):
                new = nn.Conv2d(module.in_channels, out_channels,
                                module.kernel_size, module.stride,
                                module.padding, bias=module.bias is not None)
            elif isinstance(module, nn.BatchNorm2d) and \
                    module.num_features == old_channels:
                new = nn.BatchNorm2d(out_channels, eps=module.eps,
                                     momentum=module.momentum,
                                     affine=module.affine)
            else:
                continue
            parent_name, _, child = name.rpartition('.')
            setattr(inner.get_submodule(parent_name), child, new)
        if channels_last:
            for module in inner.modules():
                if isinstance(module, (nn.Conv2d, nn.BatchNorm2d)):
                    module.register_forward_pre_hook(_to_channels_last)

    def forward(self, data: Optional[torch.Tensor] = None,
                batch_size: int = 1) -> torch.Tensor:
        return self.generator(data, batch_size).contiguous()


def _to_channels_last(module: nn.Module, args: tuple) -> tuple:
    # A no-op (no copy) once the activations are channels-last.
    return tuple(
        a.contiguous(memory_format=torch.channels_last)
        if isinstance(a, torch.Tensor) and a.ndim == 4 else a for a in args)
