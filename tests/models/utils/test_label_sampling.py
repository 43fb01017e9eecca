"""One pseudo-label sampler for every component that draws labels."""
import pytest
import torch

from mmrazor_cpsc.models.utils import sample_pseudo_labels


@pytest.mark.parametrize('batch_size', [10, 25, 256])
def test_balanced_labels_cover_every_class_evenly(batch_size):
    torch.manual_seed(0)
    counts = torch.bincount(sample_pseudo_labels(batch_size, 10),
                            minlength=10)
    assert counts.sum() == batch_size
    assert counts.max() - counts.min() <= 1


def test_the_remainder_moves_between_batches_but_not_within_a_dataset():
    torch.manual_seed(0)
    # 3 labels for 10 classes: which classes get one moves with the offset.
    drawn = {tuple(sorted(sample_pseudo_labels(3, 10).tolist()))
             for _ in range(20)}
    assert len(drawn) > 1
    fixed = {tuple(sorted(sample_pseudo_labels(
        3, 10, random_offset=False,
        generator=torch.Generator().manual_seed(s)).tolist()))
        for s in range(5)}
    assert fixed == {(0, 1, 2)}


def test_a_seeded_stream_reproduces_the_labels():
    def draw(mode):
        return sample_pseudo_labels(
            50, 7, mode, generator=torch.Generator().manual_seed(3))
    for mode in ('balanced', 'uniform'):
        assert torch.equal(draw(mode), draw(mode))
        assert draw(mode).min() >= 0 and draw(mode).max() < 7


def test_the_algorithm_and_the_adapter_draw_with_it(mnist_algorithm):
    from mmrazor.registry import MODELS
    algo, _ = mnist_algorithm
    adapter = MODELS.build(dict(
        type='LabelSamplingGenerator',
        generator=dict(type='CPSCGenerator', img_size=32, latent_dim=16,
                       hidden_channels=8, out_channels=1, num_classes=10)))
    for sample in (lambda: algo.sample_labels(23, torch.device('cpu')),
                   lambda: adapter.sample_labels(23)):
        torch.manual_seed(4)
        expected = sample_pseudo_labels(23, 10)
        torch.manual_seed(4)
        assert torch.equal(sample(), expected)


def test_unknown_mode_is_named():
    with pytest.raises(ValueError, match="one of \\('balanced', 'uniform'\\)"):
        sample_pseudo_labels(4, 2, 'stratified')
