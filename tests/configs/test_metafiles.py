"""The OpenMMLab metafiles index every config of their folder and nothing else.

A metafile that names a missing config, or misses a config that exists, sends
tools that read it (and users) to the wrong file.
"""
import glob
import os.path as osp

import pytest
import yaml
from conftest import REPO

FOLDERS = ['cpsc', 'baselines']


@pytest.mark.parametrize('folder', FOLDERS)
def test_metafile_lists_exactly_the_folder_configs(folder):
    with open(osp.join(REPO, 'configs', folder, 'metafile.yml')) as f:
        meta = yaml.safe_load(f)
    collections = {c['Name'] for c in meta['Collections']}
    listed = []
    for model in meta['Models']:
        assert model['In Collection'] in collections, model['Name']
        assert osp.isfile(osp.join(REPO, model['Config'])), model['Config']
        assert osp.splitext(osp.basename(model['Config']))[0] == model['Name']
        for result in model.get('Results', []):
            top1 = result['Metrics']['Top 1 Accuracy']
            assert 0 < top1 <= 100, (model['Name'], top1)
        listed.append(model['Config'])
    on_disk = sorted(
        osp.relpath(p, REPO)
        for p in glob.glob(osp.join(REPO, 'configs', folder, '*.py')))
    assert sorted(listed) == on_disk
    for collection in meta['Collections']:
        assert osp.isfile(osp.join(REPO, collection['README']))


def test_model_index_imports_every_metafile():
    # mim reads model-index.yml (installed as .mim/model-index.yml) and
    # follows its Import list; a metafile left out is invisible to
    # `mim search`.
    with open(osp.join(REPO, 'model-index.yml')) as f:
        index = yaml.safe_load(f)
    assert sorted(index['Import']) == sorted(
        f'configs/{folder}/metafile.yml' for folder in FOLDERS)
    on_disk = sorted(osp.relpath(p, REPO) for p in glob.glob(
        osp.join(REPO, 'configs', '*', 'metafile.yml')))
    assert sorted(index['Import']) == on_disk
