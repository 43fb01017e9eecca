"""Config mistakes are refused before anything is built: the retired mmcls
scope, misspelt component arguments and types, impossible values, --amp
without CUDA."""
import glob
import importlib.util
import os.path as osp
import subprocess
import sys

import pytest
import torch
from conftest import REPO

from mmrazor_cpsc.utils import check_config
from mmrazor_cpsc.utils.cli import enable_amp, load_config
from mmrazor_cpsc.utils.config_checks import ConfigError


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


CPSC_MNIST = osp.join(REPO, 'configs/cpsc/cpsc_lenet5bn_lenet5half_mnist.py')
DAFL_MNIST = osp.join(REPO,
                      'configs/baselines/dafl_lenet5bn_lenet5half_mnist.py')
DISTILLER = 'model.distiller'


@pytest.mark.parametrize('config,options,message', [
    (CPSC_MNIST, {'model.genrator.img_size': 32},
     "model.genrator: CPSCDataFreeDistillation takes no argument 'genrator';"
     " did you mean 'generator'?"),
    (CPSC_MNIST, {'model.student_step': 3},
     "did you mean 'student_steps'?"),
    (CPSC_MNIST, {'train_cfg.max_iter': 2},
     "train_cfg.max_iter: IterBasedTrainLoop takes no argument 'max_iter'; "
     "did you mean 'max_iters'?"),
    (CPSC_MNIST, {'model.generator.latent_dims': 64},
     "model.generator.latent_dims: CPSCGenerator takes no argument "
     "'latent_dims'; did you mean 'latent_dim'?"),
    (CPSC_MNIST, {f'{DISTILLER}.distill_losses.loss_ikd.type':
                  'LogitDistanceLos'},
     f"{DISTILLER}.distill_losses.loss_ikd.type='LogitDistanceLos' is not a "
     "registered model; did you mean 'LogitDistanceLoss'?"),
    (CPSC_MNIST, {f'{DISTILLER}.distill_losses.loss_ce.confirmaton': 'none'},
     "did you mean 'confirmation'?"),
    (CPSC_MNIST, {'model.generator_distiller.teacher_recorders.bn.type':
                  'BNStatistic'},
     "teacher_recorders.bn.type='BNStatistic' is not a registered task util;"
     " did you mean 'BNStatistics'?"),
    (CPSC_MNIST, {'train_dataloader.sampler.shufle': False},
     "train_dataloader.sampler.shufle: InfiniteSampler takes no argument "
     "'shufle'; did you mean 'shuffle'?"),
    (CPSC_MNIST, {'train_dataloader.batch_size': 0},
     'train_dataloader.batch_size must be a positive integer, got 0: set it '
     'with --cfg-options train_dataloader.batch_size=N.'),
    (CPSC_MNIST, {'train_cfg.max_iters': -5},
     'train_cfg.max_iters must be a positive integer, got -5'),
    (DAFL_MNIST, {'model.student_iters': 2},
     "DAFLDataFreeDistillation takes no argument 'student_iters'; did you "
     "mean 'student_iter'?"),
])
def test_common_mistakes_are_named_with_the_fix(config, options, message):
    with pytest.raises(ConfigError) as error:
        load_config(config, options)
    assert message in str(error.value)


def test_every_shipped_config_passes_the_checks():
    configs = [path for path in glob.glob(
        osp.join(REPO, 'configs', '**', '*.py'), recursive=True)
        if '_base_' not in path and 'tuning' not in path]
    assert len(configs) > 30
    for path in configs:
        load_config(path)  # raises on a false alarm


def test_a_tool_prints_the_mistake_not_a_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, 'tools/train.py', CPSC_MNIST, '--work-dir',
         str(tmp_path), '--cfg-options', 'model.genrator.img_size=32'],
        cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert 'Traceback' not in result.stderr
    assert ("tools/train.py: the config has mistakes (nothing was built):\n"
            "  model.genrator: CPSCDataFreeDistillation takes no argument "
            "'genrator'; did you mean 'generator'?") in result.stderr
    # Nothing was started: no log, no config dump.
    assert not list(tmp_path.iterdir())


def test_amp_without_cuda_says_so():
    cfg = load_config(CPSC_MNIST)
    if torch.cuda.is_available():
        enable_amp(cfg)
        assert cfg.optim_wrapper.architecture.type == 'AmpOptimWrapper'
    else:
        with pytest.raises(ConfigError, match='--amp needs a CUDA GPU'):
            enable_amp(cfg)


def test_one_teacher_key_for_cpsc_and_the_mmrazor_baselines():
    cpsc = load_config(CPSC_MNIST, {'model.teacher_ckpt': 'my/teacher.pth'})
    assert cpsc.model.teacher_ckpt == 'my/teacher.pth'
    dafl = load_config(DAFL_MNIST, {'model.teacher_ckpt': 'my/teacher.pth'})
    [teacher] = dafl.model.teachers.values()
    assert teacher.ckpt_path == 'my/teacher.pth'
    assert 'teacher_ckpt' not in dafl.model
    with pytest.raises(ConfigError, match='ambiguous with 2 teachers'):
        load_config(DAFL_MNIST, {
            'model.teacher_ckpt': 'x.pth',
            'model.teachers.second': dict(build_cfg=dict(type='X'),
                                          ckpt_path='y.pth')})


CIFAR_CPSC = osp.join(REPO, 'configs/cpsc/cpsc_wrn16-2_wrn16-1_cifar10.py')


@pytest.mark.parametrize('config,key,value,places', [
    (CPSC_MNIST, 'mnist_root', '/my/data',
     'val_dataloader.dataset.dataset.data_root=... '
     'test_dataloader.dataset.data_root=...'),
    (CPSC_MNIST, 'mnist_mean', [1.0], 'model.data_preprocessor.mean=...'),
    (CIFAR_CPSC, 'max_iters', 5, 'train_cfg.max_iters=...'),
])
def test_parse_time_knobs_are_refused_with_the_keys_that_work(
        config, key, value, places):
    # Accepted silently, these overrides changed nothing: the config had
    # copied their values elsewhere when it was parsed.
    with pytest.raises(ConfigError) as error:
        load_config(config, {key: value})
    message = str(error.value)
    assert f'{key} is a value the config copied into other keys' in message
    assert places in message


@pytest.mark.parametrize('config,val_root', [
    # Validation on a held-out slice of the training split, test split apart.
    (CPSC_MNIST, 'val_dataloader.dataset.dataset.data_root'),
    (CIFAR_CPSC, 'val_dataloader.dataset.dataset.data_root'),
])
def test_moving_only_the_validation_data_is_reported(config, val_root):
    with pytest.warns(UserWarning, match='moved val_dataloader to another '
                      'data_root but not test_dataloader'):
        load_config(config, {val_root: '/x'})
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter('error', UserWarning)
        load_config(config, {val_root: '/x',
                             'test_dataloader.dataset.data_root': '/x'})


def test_a_hook_keeping_its_own_kwargs_is_not_flagged():
    # mmengine's EMAHook takes momentum/update_buffers through **kwargs for
    # the averaged model it builds; a torch Module refuses what reaches it.
    from mmengine.hooks import EMAHook
    from mmrazor_cpsc.models import CPSCGenerator
    from mmrazor_cpsc.utils.config_checks import accepted_arguments
    assert accepted_arguments(EMAHook) is None
    assert 'latent_dim' in accepted_arguments(CPSCGenerator)
    cfg = load_config(CPSC_MNIST, {'custom_hooks': [dict(
        type='EMAHook', momentum=0.01, update_buffers=True)]})
    assert cfg.custom_hooks[0].momentum == 0.01
