"""The benchmark finds its tools and configs in a checkout or installed."""
import os
import os.path as osp

import pytest
from conftest import REPO

from mmrazor_cpsc.benchmark import paths


def test_tools_and_configs_are_found_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert paths.checkout_root() == REPO
    assert paths.tool_path('train.py') == osp.join(REPO, 'tools',
                                                   'train.py')
    # The suites name configs from the project root; a user's own config
    # is found from the current folder.
    suite_config = 'configs/teachers/lenet5_bn_mnist.py'
    assert paths.config_path(suite_config) == osp.join(REPO, suite_config)
    (tmp_path / 'configs').mkdir()
    (tmp_path / 'mine.py').write_text('x = 1\n')
    assert paths.config_path('mine.py') == os.fspath(tmp_path / 'mine.py')
    assert paths.working_dir() == REPO
    assert paths.dev_script('bare_cpsc_loop.py') == osp.join(
        REPO, '.dev_scripts', 'bare_cpsc_loop.py')
    with pytest.raises(SystemExit, match='tools/nope.py is not installed'):
        paths.tool_path('nope.py')


def test_installed_package_uses_its_mim_folder(monkeypatch):
    # Installed, the package's parent is site-packages: no checkout.
    monkeypatch.setattr(paths, 'checkout_root', lambda: None)
    mim = osp.join(REPO, 'mmrazor_cpsc', '.mim')
    assert paths.project_root() == mim
    assert paths.tool_path('test.py') == osp.join(mim, 'tools', 'test.py')
    assert paths.dev_script('bare_cpsc_loop.py') is None
    assert paths.working_dir() == os.getcwd()
