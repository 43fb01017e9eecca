import pytest
import torch
from mmrazor.registry import MODELS


def test_projects_pooled_and_tuple_features():
    head = MODELS.build(dict(type='ProjectionHead', in_channels=42,
                             out_channels=84))
    assert head(torch.randn(3, 42)).shape == (3, 84)
    assert head((torch.randn(3, 42, 2, 2), )).shape == (3, 84)


def test_mlp_variant_and_wrong_width():
    head = MODELS.build(dict(type='ProjectionHead', in_channels=8,
                             out_channels=4, hidden_channels=16))
    assert head(torch.randn(2, 8)).shape == (2, 4)
    with pytest.raises(ValueError, match='in_channels'):
        head(torch.randn(2, 5))
