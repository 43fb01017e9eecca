"""No shipped config sizes its DataFreeDataset to the whole run."""
import glob
import os.path as osp

import pytest
from conftest import REPO
from mmengine.config import Config

import mmrazor_cpsc  # noqa: F401

CONFIGS = sorted(
    p for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'),
                         recursive=True)
    if '_base_' not in p and 'tuning' not in p)


def _data_free_datasets(cfg):
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset = (cfg.get(key) or {}).get('dataset') or {}
        if dataset.get('type') == 'DataFreeDataset':
            yield key, dataset


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.relpath(p, REPO))
def test_data_free_dataset_is_not_sized_to_the_run(path):
    # Under InfiniteSampler a length of batch x iterations only builds a
    # huge index list (15 M items: +700 MB and 2 s per rank).
    cfg = Config.fromfile(path)
    for key, dataset in _data_free_datasets(cfg):
        assert dataset.get('length', 50000) <= 10**6, key
        assert cfg[key].sampler.type == 'InfiniteSampler', key


def test_the_check_sees_the_data_free_configs():
    with_dataset = [p for p in CONFIGS
                    if list(_data_free_datasets(Config.fromfile(p)))]
    assert len(with_dataset) >= 15, with_dataset
