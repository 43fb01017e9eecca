import pytest
import torch
from mmpretrain.structures import DataSample
from mmrazor.registry import TASK_UTILS
from torch import nn

from mmrazor_cpsc.models.losses._utils import as_label_tensor
from mmrazor_cpsc.structures import LabelledSamples


def test_behaves_as_a_sequence_of_data_samples():
    labels = torch.tensor([3, 1, 4])
    samples = LabelledSamples(labels)
    assert len(samples) == 3 and bool(samples)
    items = list(samples)
    assert all(isinstance(s, DataSample) for s in items)
    assert [int(s.gt_label) for s in items] == [3, 1, 4]
    assert samples[1] is items[1]  # built once, then reused
    assert [int(s.gt_label) for s in samples[1:]] == [1, 4]


def test_label_consumers_read_the_batch_without_building_samples():
    samples = LabelledSamples(torch.tensor([2, 0, 1]))
    recorder = TASK_UTILS.build(dict(type='GtLabelsRecorder'))
    model = nn.Identity()
    model.forward = lambda inputs, data_samples=None: inputs  # noqa: E731
    recorder.initialize(model)
    with recorder:
        model(torch.zeros(3), samples)
    assert torch.equal(recorder.get_record_data(), torch.tensor([2, 0, 1]))
    assert torch.equal(as_label_tensor(samples, torch.device('cpu')),
                       torch.tensor([2, 0, 1]))
    assert samples._samples is None


def test_refuses_labels_that_are_not_a_vector():
    with pytest.raises(ValueError, match=r'\(N,\) labels'):
        LabelledSamples(torch.zeros(2, 2, dtype=torch.long))
