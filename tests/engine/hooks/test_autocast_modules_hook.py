"""AutocastModulesHook: the named sub-module computes in bf16 whoever calls
it, hands float32 on, and a wrong name is refused with the children listed."""
from types import SimpleNamespace

import pytest
import torch
from mmrazor.registry import HOOKS, MODELS


def algorithm_like():
    model = torch.nn.Module()
    model.generator = MODELS.build(dict(type='DAFLGenerator', img_size=8,
                                        latent_dim=4, hidden_channels=4))
    model.student = torch.nn.Conv2d(3, 2, 3)
    return model


def conv_dtypes(module):
    seen = []
    for conv in module.modules():
        if isinstance(conv, torch.nn.Conv2d):
            conv.register_forward_hook(
                lambda m, i, o: seen.append(o.dtype))
    return seen


def test_generator_in_bf16_output_in_fp32_student_untouched():
    model = algorithm_like()
    HOOKS.build(dict(type='AutocastModulesHook')).before_run(
        SimpleNamespace(model=model))
    seen = conv_dtypes(model.generator)
    images = model.generator(batch_size=2)  # outside any autocast
    assert seen and set(seen) == {torch.bfloat16}
    assert images.dtype == torch.float32
    images.sum().backward()  # gradients flow through the cast
    assert all(p.grad is not None for p in model.generator.parameters())
    assert model.student(images).dtype == torch.float32


def test_disabled_leaves_float32():
    model = algorithm_like()
    HOOKS.build(dict(type='AutocastModulesHook', enabled=False)).before_run(
        SimpleNamespace(model=model))
    seen = conv_dtypes(model.generator)
    model.generator(batch_size=2)
    assert set(seen) == {torch.float32}


def test_unknown_module_is_named():
    with pytest.raises(ValueError, match="no sub-module 'genrator'.*student"):
        HOOKS.build(dict(type='AutocastModulesHook',
                         modules=['genrator'])).before_run(
            SimpleNamespace(model=algorithm_like()))
