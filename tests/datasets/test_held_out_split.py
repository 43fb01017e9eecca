"""HeldOutSplit: disjoint, class-balanced, reproducible parts of a dataset."""
import numpy as np
import pytest

from mmrazor_cpsc.datasets import HeldOutSplit, LocalCIFAR10


def _cifar(root):
    return dict(type='mmpretrain.LocalCIFAR10', data_root=root, split='train',
                pipeline=[])


def test_parts_are_disjoint_balanced_and_cover_the_set(tiny_cifar10_root):
    full = LocalCIFAR10(data_root=tiny_cifar10_root, split='train',
                        pipeline=[])
    held = HeldOutSplit(_cifar(tiny_cifar10_root), 'held_out', per_class=3)
    rest = HeldOutSplit(_cifar(tiny_cifar10_root), 'rest', per_class=3)
    assert set(held.indices).isdisjoint(rest.indices)
    assert len(held) + len(rest) == len(full)
    assert np.bincount(held.get_gt_labels()).tolist() == [3] * 10
    assert np.bincount(rest.get_gt_labels()).tolist() == [9] * 10
    # items are the wrapped dataset's items
    index = int(held.indices[4])
    assert np.array_equal(held[4]['img'], full[index]['img'])
    assert held[4]['gt_label'] == full[index]['gt_label']
    assert held.metainfo['classes'] == full.metainfo['classes']


def test_same_seed_same_split_other_seed_other_split(tiny_cifar10_root):
    cfg = _cifar(tiny_cifar10_root)
    a = HeldOutSplit(cfg, 'held_out', per_class=3, seed=0).indices
    b = HeldOutSplit(cfg, 'held_out', per_class=3, seed=0).indices
    c = HeldOutSplit(cfg, 'held_out', per_class=3, seed=1).indices
    assert np.array_equal(a, b) and not np.array_equal(a, c)


@pytest.mark.parametrize('kwargs, message', [
    (dict(part='val'), "use one of \\('held_out', 'rest'\\)"),
    (dict(part='rest', per_class=0), 'must be >= 1'),
    (dict(part='rest', per_class=12), 'Lower per_class'),
])
def test_bad_arguments_are_named(tiny_cifar10_root, kwargs, message):
    with pytest.raises(ValueError, match=message):
        HeldOutSplit(_cifar(tiny_cifar10_root), **kwargs)
