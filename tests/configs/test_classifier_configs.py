"""The teacher and student classifier configs build and run."""
import glob
import os.path as osp

import pytest
import torch
from conftest import REPO
from mmengine.config import Config
from mmpretrain.registry import MODELS

from mmrazor_cpsc.utils import check_config

CONFIGS = sorted(glob.glob(osp.join(REPO, 'configs', 'teachers', '*.py')) +
                 glob.glob(osp.join(REPO, 'configs', 'students', '*.py')))


def test_configs_found():
    assert len(CONFIGS) >= 2


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_builds_and_classifies(path):
    cfg = Config.fromfile(path)
    check_config(cfg.to_dict())
    assert cfg.default_scope == 'mmpretrain'
    model = MODELS.build(cfg.model)
    inputs = torch.randint(0, 256, (2, 1, 32, 32)).float()
    data = model.data_preprocessor(dict(inputs=list(inputs)), False)
    logits = model(data['inputs'], mode='tensor')
    assert logits.shape == (2, 10)
