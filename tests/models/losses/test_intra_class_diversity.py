import math

import pytest
import torch
from mmrazor.registry import MODELS

import mmrazor_cpsc  # noqa: F401


def build(**kwargs):
    return MODELS.build(dict(type='IntraClassDiversityLoss', **kwargs))


def test_value_is_minus_log_of_the_same_class_distance():
    # Class 0: images 0 and 1 differ by 2 everywhere; class 1: 0.5. Pairs
    # across classes (distance 5) must not count: mean = (2 + 0.5) / 2.
    images = torch.stack([torch.full((1, 2, 2), v)
                          for v in (0.0, 2.0, 5.0, 5.5)])
    labels = torch.tensor([0, 0, 1, 1])
    value = build(loss_weight=2.0, eps=1e-3)(images, labels)
    assert value.item() == pytest.approx(-2.0 * math.log(1.25 + 1e-3),
                                         rel=1e-5)


def test_collapsed_class_costs_more_and_gradient_spreads_it():
    labels = torch.tensor([0, 0, 0])
    collapsed = torch.zeros(3, 3, 4, 4) + torch.randn(1, 3, 4, 4)
    collapsed = (collapsed + 1e-4 * torch.randn(3, 3, 4, 4)).requires_grad_()
    spread = torch.randn(3, 3, 4, 4)
    loss = build()
    assert loss(collapsed, labels) > loss(spread, labels)
    loss(collapsed, labels).backward()
    stepped = collapsed.detach() - 1e-3 * collapsed.grad
    assert loss(stepped, labels) < loss(collapsed.detach(), labels)
    assert torch.isfinite(loss(torch.zeros(3, 3, 4, 4), labels))


def test_no_pair_of_one_class_gives_zero_and_recorder_tuples_work():
    images = torch.randn(3, 1, 4, 4, requires_grad=True)
    value = build()((images, ), torch.tensor([0, 1, 2]))
    assert value.item() == 0.0
    value.backward()
    assert images.grad.abs().sum() == 0


def test_bad_input_is_named():
    with pytest.raises(ValueError, match='eps'):
        build(eps=0)
    with pytest.raises(ValueError, match=r'\(N, C, H, W\)'):
        build()(torch.randn(4, 8), torch.tensor([0, 0, 1, 1]))
    with pytest.raises(ValueError, match='3 labels for 4 images'):
        build()(torch.randn(4, 1, 2, 2), torch.tensor([0, 0, 1]))
