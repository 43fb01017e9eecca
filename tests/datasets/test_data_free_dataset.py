import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmpretrain.models import ClsDataPreprocessor
from mmrazor.registry import DATASETS


def build(**kwargs):
    return DATASETS.build(dict(type='DataFreeDataset', **kwargs))


def test_balanced_labels_cover_every_class():
    dataset = build(num_classes=7, length=30)
    labels = [int(dataset[i]['data_samples'].gt_label) for i in range(30)]
    assert len(dataset) == 30
    assert labels[:7] == list(range(7))
    counts = torch.bincount(torch.tensor(labels))
    assert counts.max() - counts.min() <= 1


def test_uniform_labels_are_reproducible_by_seed():
    a = build(num_classes=10, length=50, label_sampling='uniform', seed=1)
    b = build(num_classes=10, length=50, label_sampling='uniform', seed=1)
    c = build(num_classes=10, length=50, label_sampling='uniform', seed=2)
    la = [a.label_of(i) for i in range(50)]
    assert la == [b.label_of(i) for i in range(50)]
    assert la != [c.label_of(i) for i in range(50)]
    assert len(set(la)) > 5


def test_items_collate_and_pass_a_data_preprocessor():
    dataset = build(num_classes=10, length=8, img_shape=(1, 4, 4))
    batch = pseudo_collate([dataset[i] for i in range(8)])
    out = ClsDataPreprocessor(mean=[33.46], std=[78.87])(batch, True)
    assert out['inputs'].shape == (8, 1, 4, 4)
    assert [int(s.gt_label) for s in out['data_samples']] == list(range(8))
    assert dataset.metainfo['classes'] == tuple(str(i) for i in range(10))


@pytest.mark.parametrize('kwargs,match', [
    (dict(num_classes=0), 'num_classes and length'),
    (dict(num_classes=10, label_sampling='roundrobin'), 'label_sampling'),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        build(**kwargs)


def test_index_out_of_range():
    with pytest.raises(IndexError):
        build(num_classes=2, length=3)[3]
