"""The retired mmcls scope is refused before mmengine touches it."""
import importlib.util

import pytest

from mmrazor_cpsc.utils import check_config
from mmrazor_cpsc.utils.cli import load_config


def test_mmcls_base_is_refused_before_parsing(tmp_path):
    config = tmp_path / 'old.py'
    config.write_text("_base_ = ['mmcls::resnet/resnet18_8xb16_cifar10.py']\n")
    with pytest.raises(ValueError, match='renamed mmpretrain'):
        load_config(str(config))
    # mmengine would have tried to pip-install mmcls; nothing was installed.
    assert importlib.util.find_spec('mmcls') is None


def test_mmcls_scope_in_overrides_is_refused(tmp_path):
    config = tmp_path / 'ok.py'
    config.write_text("model = dict(type='X', teacher=dict(type='Y'))\n")
    with pytest.raises(ValueError, match=r"model\.teacher\._scope_='mmcls'"):
        load_config(str(config), {'model.teacher._scope_': 'mmcls'})


@pytest.mark.parametrize('cfg,bad', [
    (dict(default_scope='mmcls'), True),
    (dict(model=dict(cfg_path='mmcls::lenet/lenet5_mnist.py')), True),
    (dict(model=dict(head=dict(type='mmcls.LinearClsHead'))), True),
    (dict(model=dict(_scope_='mmpretrain', name='mmcls-like')), False),
])
def test_check_config(cfg, bad):
    if bad:
        with pytest.raises(ValueError, match='mmpretrain'):
            check_config(cfg)
    else:
        check_config(cfg)


def test_missing_config_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='does not exist'):
        load_config(str(tmp_path / 'nope.py'))
