"""The OpenMMLab metafiles index every config of their folder and nothing else,
and every result they publish comes from a committed result file.

A metafile that names a missing config, or misses a config that exists, sends
tools that read it (and users) to the wrong file; a result typed by hand, or
a teacher file that is not in the repository, publishes what nobody can
reproduce.
"""
import glob
import json
import os.path as osp
import re

import pytest
import yaml
from conftest import REPO

FOLDERS = ['cpsc', 'baselines']
# The models measured on the CPU pairs: every one must publish a result on
# its dataset (MNIST: the 3-seed tuned benchmark; CIFAR-10: the 2-seed tuned
# benchmark on the AMD EPYC with the committed teacher).
MEASURED = {
    'cpsc': {'cpsc_lenet5bn_lenet5half_mnist': 'MNIST',
             'cpsc_wrn16-2_wrn16-1_cifar10': 'CIFAR-10'},
    'baselines': {f'{method}_{pair}': dataset
                  for method in ('dafl', 'dfad', 'zskt')
                  for pair, dataset in (('lenet5bn_lenet5half_mnist', 'MNIST'),
                                        ('wrn16-2_wrn16-1_cifar10',
                                         'CIFAR-10'))},
}
CIFAR10_TEACHER = 'docs/results/teachers/wrn16_2_cifar10-f35613c6.pth'
# `# results: benchmark FILE METHOD` opens a generated Results block.
MARKER = re.compile(r'^\s*# results: benchmark (\S+) (\S+)\n', re.M)
SUITE_DATASETS = {'mnist': 'MNIST', 'cifar10': 'CIFAR-10'}


def _metafile(folder):
    path = osp.join(REPO, 'configs', folder, 'metafile.yml')
    with open(path) as f:
        text = f.read()
    return text, yaml.safe_load(text)


def _model_sources(text):
    """Model name -> (result file, method) from the metafile's markers."""
    sources = {}
    for match in MARKER.finditer(text):
        names = re.findall(r'^  - Name: (\S+)$', text[:match.start()], re.M)
        sources[names[-1]] = (match.group(1), match.group(2))
    return sources


@pytest.mark.parametrize('folder', FOLDERS)
def test_metafile_lists_exactly_the_folder_configs(folder):
    _, meta = _metafile(folder)
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


@pytest.mark.parametrize('folder', FOLDERS)
def test_every_result_is_the_mean_of_its_result_file(folder):
    # The number check regenerates these blocks; this test pins what they
    # must say: the method's mean test top-1 over the benchmark's seeds, on
    # the benchmark's dataset, from a file that is committed.
    text, meta = _metafile(folder)
    sources = _model_sources(text)
    for model in meta['Models']:
        if not model.get('Results'):
            assert model['Name'] not in sources, model['Name']
            continue
        assert model['Name'] in sources, (
            f"{model['Name']}: a result without a `# results: benchmark` "
            'marker was typed by hand')
        source, method = sources[model['Name']]
        assert source.startswith('docs/results/'), source
        with open(osp.join(REPO, source)) as f:
            data = json.load(f)
        runs = [r['top1_test'] for r in data['runs'] if r['method'] == method]
        assert runs, (model['Name'], method)
        suite = re.search(r'--suite (\S+)', data['command'])
        (result, ) = model['Results']
        assert result['Dataset'] == SUITE_DATASETS[
            suite.group(1) if suite else 'mnist']
        assert result['Metrics']['Top 1 Accuracy'] == round(
            sum(runs) / len(runs), 2)


@pytest.mark.parametrize('folder', FOLDERS)
def test_cpu_pairs_publish_results_on_both_datasets(folder):
    _, meta = _metafile(folder)
    models = {m['Name']: m for m in meta['Models']}
    for name, dataset in MEASURED[folder].items():
        results = models[name].get('Results')
        assert results, f'{name} publishes no result'
        assert [r['Dataset'] for r in results] == [dataset]


@pytest.mark.parametrize('folder', FOLDERS)
def test_teacher_weights_are_committed(folder):
    _, meta = _metafile(folder)
    named = {}
    for model in meta['Models']:
        weights = (model.get('Metadata') or {}).get('Teacher Weights')
        if weights:
            assert osp.isfile(osp.join(REPO, weights)), (model['Name'],
                                                         weights)
            named[model['Name']] = weights
    # Every model measured on CIFAR-10 distilled the committed teacher.
    for name, dataset in MEASURED[folder].items():
        if dataset == 'CIFAR-10':
            assert named.get(name) == CIFAR10_TEACHER, name


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
