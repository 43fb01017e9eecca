import pytest
import torch
from mmpretrain.structures import DataSample
from mmrazor.models.task_modules import RecorderManager
from torch import nn


class WithBN(nn.Module):

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 3, 3)
        self.bn = nn.BatchNorm2d(3)
        self.fc = nn.Linear(3, 2)
        self.bn1d = nn.BatchNorm1d(2)

    def forward(self, x, data_samples=None, mode='tensor'):
        x = self.bn(self.conv(x)).mean((2, 3))
        return self.bn1d(self.fc(x))


def test_bn_statistics_recorder_matches_manual_statistics():
    model = WithBN().eval()
    manager = RecorderManager(dict(bn=dict(type='BNStatistics')))
    manager.initialize(model)
    x = torch.randn(4, 1, 6, 6)
    with manager:
        model(x)
        model(x * 2)
    recorder = manager.get_recorder('bn')
    assert recorder.num_layers == 2
    assert len(recorder.data_buffer) == 2  # one record per forward
    stats = recorder.get_record_data(0)
    assert len(stats) == 2
    conv_out = model.conv(x)
    mean, var, running_mean, running_var = stats[0]
    assert torch.allclose(mean, conv_out.mean((0, 2, 3)), atol=1e-6)
    assert torch.allclose(var, conv_out.var((0, 2, 3), unbiased=False),
                          atol=1e-6)
    assert running_mean is model.bn.running_mean
    assert running_var is model.bn.running_var
    assert stats[1][0].shape == (2, )
    # Outside the context nothing is recorded.
    model(x)
    assert len(recorder.data_buffer) == 2


def test_bn_statistics_recorder_per_sample_at_one_layer():
    model = WithBN().eval()
    manager = RecorderManager(
        dict(bn=dict(type='BNStatistics', source='bn', per_sample=True)))
    manager.initialize(model)
    recorder = manager.get_recorder('bn')
    assert recorder.num_layers == 1  # the BN layer itself, not bn1d
    x = torch.randn(4, 1, 6, 6)
    with manager:
        model(x)
    (mean, var, running_mean, running_var), = recorder.get_record_data(0)
    conv_out = model.conv(x)
    # One row per image: a blank image cannot hide behind a busy batch.
    assert mean.shape == var.shape == (4, 3)
    assert torch.allclose(mean, conv_out.mean((2, 3)), atol=1e-6)
    assert torch.allclose(var, conv_out.var((2, 3), unbiased=False),
                          atol=1e-6)
    assert running_mean is model.bn.running_mean


def test_bn_statistics_recorder_per_sample_needs_spatial_inputs():
    model = WithBN().eval()
    manager = RecorderManager(
        dict(bn=dict(type='BNStatistics', source='bn1d', per_sample=True)))
    manager.initialize(model)
    with pytest.raises(ValueError, match='no spatial dimensions'):
        with manager:
            model(torch.randn(4, 1, 6, 6))


def test_bn_statistics_recorder_refuses_models_without_bn():
    manager = RecorderManager(dict(bn=dict(type='BNStatistics')))
    with pytest.raises(ValueError, match='no BatchNorm layers'):
        manager.initialize(nn.Sequential(nn.Linear(2, 2)))


def test_gt_labels_recorder_positional_and_keyword():
    model = WithBN()
    manager = RecorderManager(dict(labels=dict(type='GtLabels')))
    manager.initialize(model)
    samples = [DataSample().set_gt_label(i) for i in (3, 1, 4)]
    x = torch.randn(3, 1, 6, 6)
    with manager:
        model(x, samples)
        model(x, data_samples=samples[:2], mode='tensor')
    recorder = manager.get_recorder('labels')
    assert torch.equal(recorder.get_record_data(0), torch.tensor([3, 1, 4]))
    assert torch.equal(recorder.get_record_data(1), torch.tensor([3, 1]))


def test_gt_labels_recorder_without_samples_is_explained():
    model = WithBN()
    manager = RecorderManager(dict(labels=dict(type='GtLabels')))
    manager.initialize(model)
    with pytest.raises(ValueError, match='without data_samples'):
        with manager:
            model(torch.randn(2, 1, 6, 6))


def test_unknown_source_suggests_names():
    manager = RecorderManager(dict(bn=dict(type='BNStatistics',
                                           source='bnn')))
    with pytest.raises(ValueError, match="Close names: \\['bn'"):
        manager.initialize(WithBN())


def test_bn_statistics_records_carry_their_count_and_precision():
    """The count lets BNStatisticsLoss combine several processes' statistics
    exactly; float64 inputs keep float64 statistics (rank-invariance tests
    compare in float64)."""
    model = WithBN().double().eval()
    manager = RecorderManager(dict(
        bn=dict(type='BNStatistics', source='bn'),
        per_image=dict(type='BNStatistics', source='bn', per_sample=True)))
    manager.initialize(model)
    with manager:
        model(torch.randn(4, 1, 6, 6, dtype=torch.float64))
    (batch, ), = manager.get_recorder('bn').data_buffer
    (per_image, ), = manager.get_recorder('per_image').data_buffer
    conv_out_hw = model.conv(torch.zeros(1, 1, 6, 6,
                                         dtype=torch.float64)).shape[2:]
    pixels = conv_out_hw[0] * conv_out_hw[1]
    assert batch.count == 4 * pixels
    assert per_image.count == pixels
    mean, var, _, _ = batch  # still a 4-tuple to every reader
    assert mean.dtype == var.dtype == torch.float64
