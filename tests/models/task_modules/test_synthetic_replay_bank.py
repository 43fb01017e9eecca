"""SyntheticReplayBank: a ring of synthetic samples and teacher records."""
import io

import pytest
import torch
from mmrazor.registry import TASK_UTILS

from mmrazor_cpsc.models.task_modules import SyntheticReplayBank


def batch(start, count, width=3):
    """Images whose every pixel is the sample's id, so slots can be read."""
    ids = torch.arange(start, start + count, dtype=torch.float32)
    images = ids.view(-1, 1, 1, 1).expand(count, 1, 2, 2).clone()
    labels = ids.long() % 10
    logits = ids.view(-1, 1).expand(count, width).clone()
    feats = (ids.view(-1, 1).expand(count, 4).clone(), )  # ModuleInputs
    return images, labels, dict(logits=[logits], feats=[feats])


def ids_of(images):
    return set(images[:, 0, 0, 0].long().tolist())


def test_registered_and_validated():
    bank = TASK_UTILS.build(dict(type='SyntheticReplayBank', capacity=4))
    assert isinstance(bank, SyntheticReplayBank)
    for bad, match in ((dict(capacity=0), 'capacity'),
                       (dict(fresh_fraction=0.0), 'fresh_fraction'),
                       (dict(fresh_fraction=1.5), 'fresh_fraction'),
                       (dict(sampling='newest'), 'sampling'),
                       (dict(storage_dtype='int8'), 'storage_dtype'),
                       (dict(min_fill=-1), 'min_fill')):
        with pytest.raises(ValueError, match=match):
            SyntheticReplayBank(**bad)


def test_split_is_all_fresh_until_the_replay_share_is_stored():
    bank = SyntheticReplayBank(capacity=100, fresh_fraction=0.25)
    assert bank.split(20) == (20, 0)
    bank.push(*batch(0, 10))
    assert bank.split(20) == (20, 0)  # 15 to replay, 10 stored
    bank.push(*batch(10, 5))
    assert bank.split(20) == (5, 15)
    assert SyntheticReplayBank(fresh_fraction=1.0).split(20) == (20, 0)
    filled = SyntheticReplayBank(capacity=100, min_fill=50)
    filled.push(*batch(0, 40))
    assert filled.split(20) == (20, 0)
    filled.push(*batch(40, 10))
    assert filled.split(20) == (5, 15)


def test_ring_replaces_the_oldest_and_records_follow_their_images():
    bank = SyntheticReplayBank(capacity=8, storage_dtype='float32')
    bank.push(*batch(0, 6))
    bank.push(*batch(6, 6))  # 0..3 are replaced
    assert bank.num_stored == 8
    assert ids_of(bank.images) == set(range(4, 12))
    images, labels, records = bank.sample(200, torch.device('cpu'))
    ids = images[:, 0, 0, 0]
    assert set(ids.long().tolist()) == set(range(4, 12))
    assert torch.equal(labels, ids.long() % 10)
    assert torch.equal(records['logits'][0][:, 0], ids)
    assert isinstance(records['feats'][0], tuple)
    assert torch.equal(records['feats'][0][0][:, 0], ids)
    # A batch larger than the bank keeps its newest samples.
    bank.push(*batch(100, 20))
    assert ids_of(bank.images) == set(range(112, 120))


def test_recent_sampling_draws_from_the_newest_half():
    bank = SyntheticReplayBank(capacity=10, sampling='recent',
                               storage_dtype='float32')
    bank.push(*batch(0, 10))
    bank.push(*batch(10, 3))  # slots hold 10, 11, 12, 3, ..., 9
    images, _, _ = bank.sample(300, torch.device('cpu'))
    assert ids_of(images) == {8, 9, 10, 11, 12}


def test_records_that_are_not_per_sample_are_refused():
    bank = SyntheticReplayBank()
    images, labels, records = batch(0, 6)
    records['bn'] = [(torch.zeros(16), torch.ones(16))]  # BN moments
    with pytest.raises(ValueError, match='`bn` records .*not one row per'):
        bank.push(images, labels, records)
    bank.push(*batch(0, 6))
    images, labels, records = batch(6, 6, width=5)
    with pytest.raises(ValueError, match='differ from the stored'):
        bank.push(images, labels, records)


def test_state_survives_a_weights_only_checkpoint():
    bank = SyntheticReplayBank(capacity=16)
    bank.push(*batch(0, 10))
    bank.push(*batch(10, 9))
    buffer = io.BytesIO()
    torch.save({'bank': bank.state_dict()}, buffer)
    buffer.seek(0)
    state = torch.load(buffer, weights_only=True)['bank']
    restored = SyntheticReplayBank(capacity=16)
    restored.load_state_dict(state)
    assert restored.num_stored == 16 and restored.next_slot == bank.next_slot
    assert torch.equal(restored.images, bank.images)
    assert torch.equal(restored.records['feats'][0], bank.records['feats'][0])
    restored.push(*batch(19, 1))
    assert restored.next_slot == (bank.next_slot + 1) % 16
    small = SyntheticReplayBank(capacity=8)
    with pytest.raises(ValueError, match='capacity'):
        small.load_state_dict(state)


def test_memory_figure_counts_the_stored_tensors():
    bank = SyntheticReplayBank(capacity=100, storage_dtype='float16')
    assert bank.memory_bytes() == 0
    bank.push(*batch(0, 4))
    # images 4 px x 2 B, label 8 B, logits 3 x 4 B, feats 4 x 4 B
    assert bank.memory_bytes() == 100 * (4 * 2 + 8 + 3 * 4 + 4 * 4)
