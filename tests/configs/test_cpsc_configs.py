"""Every CPSC config builds and trains: two real train_steps each.

The GPU-scale configs (CIFAR-10/100, Tiny-ImageNet) cannot be trained here
(no GPU, no CIFAR offline); this runs each one's real algorithm, models,
generator and optimisers on a tiny batch, with one generator and one student
update per iteration for speed.
"""
import glob
import os.path as osp
import re
from typing import List

import pytest
import torch
from conftest import REPO
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.optim import build_optim_wrapper
from mmrazor.registry import DATASETS, MODELS

from mmrazor_cpsc.utils import check_config

CONFIGS = sorted(glob.glob(osp.join(REPO, 'configs', 'cpsc', '*.py')))
# Configs following the paper's GPU recipe (everything but the CPU-sized
# MNIST and CIFAR-10 runs).
CPU_SIZED = ('mnist', 'wrn16-2_wrn16-1_cifar10')
GPU_CONFIGS = [p for p in CONFIGS
               if not any(key in osp.basename(p) for key in CPU_SIZED)
               and not p.endswith('_reference.py')]
# The authors' recipe as their code runs it, one per paper pair.
REFERENCE_CONFIGS = [p for p in CONFIGS if p.endswith('_reference.py')]
# Tiny batches: enough for BN in training mode and for the contrast.
BATCH = {'tiny-imagenet': 2}


def _batch_size(path):
    return next((b for key, b in BATCH.items() if key in osp.basename(path)),
                4)


def test_configs_found():
    names = {osp.basename(p) for p in CONFIGS}
    for dataset in ('cifar10', 'cifar100'):
        for pair in ('resnet34_resnet18', 'wrn40-2_wrn16-2', 'wrn40-2_wrn16-1',
                     'vgg11_resnet18'):
            assert f'cpsc_{pair}_{dataset}.py' in names
    assert 'cpsc_resnet34_resnet18_tiny-imagenet.py' in names
    assert 'cpsc_lenet5bn_lenet5half_mnist.py' in names


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_is_iteration_based_and_mmpretrain_scoped(path):
    cfg = Config.fromfile(path)
    assert cfg.train_cfg.type == 'IterBasedTrainLoop'
    assert 'mmcls' not in repr(cfg.model.to_dict()).lower()
    check_config(cfg.to_dict())
    assert cfg.train_dataloader.dataset.type == 'DataFreeDataset'
    assert cfg.train_dataloader.sampler.type == 'InfiniteSampler'
    num_classes = cfg.model.generator.num_classes
    assert cfg.train_dataloader.dataset.num_classes == num_classes
    assert cfg.model.data_preprocessor.num_classes == num_classes
    # mmengine needs a scheduler list for every optimiser.
    optimisers = set(cfg.optim_wrapper) - {'constructor'}
    assert set(cfg.param_scheduler) == optimisers


@pytest.mark.parametrize('path', GPU_CONFIGS, ids=osp.basename)
def test_gpu_configs_follow_the_paper_recipe(path):
    cfg = Config.fromfile(path)
    model = cfg.model
    assert cfg.train_cfg.max_iters == 30000  # 600 epochs x 50 iterations
    assert cfg.train_dataloader.batch_size == 512
    assert (model.generator_steps, model.student_steps) == (6, 5)
    gen = model.generator
    assert (gen.latent_dim, gen.hidden_channels, gen.out_channels) == (256, 64,
                                                                       3)
    assert gen.img_size == (64 if 'tiny-imagenet' in path else 32)
    assert model.teacher_ckpt.startswith('checkpoints/')
    sgd = cfg.optim_wrapper.architecture.optimizer
    assert (sgd.type, sgd.lr, sgd.momentum, sgd.weight_decay) == ('SGD', 0.1,
                                                                  0.9, 5e-4)
    for part in ('generator', 'generator_distiller'):
        adam = cfg.optim_wrapper[part].optimizer
        assert (adam.type, adam.lr, tuple(adam.betas)) == ('Adam', 1e-3,
                                                           (0.5, 0.999))
    warmup, cosine = cfg.param_scheduler.architecture
    assert (warmup.type, warmup.end, warmup.by_epoch) == ('LinearLR', 500,
                                                          False)
    assert (cosine.type, cosine.begin, cosine.by_epoch) == (
        'CosineAnnealingLR', 500, False)
    assert cfg.param_scheduler.generator == []
    losses = model.generator_distiller.distill_losses
    assert losses.loss_adv_ikd.mode == 'log_mse'  # see the configs' note
    assert losses.loss_adv_ikd.loss_weight == -5.0  # -alpha
    assert losses.loss_bn.loss_weight == 1.0  # beta
    assert (losses.loss_scl.loss_weight, losses.loss_scl.temperature) == (0.7,
                                                                          0.07)
    assert losses.loss_ce.loss_weight == 0.7  # eta
    assert model.distiller.distill_losses.loss_ikd.mode == 'log_mse'
    for role in ('teacher', 'architecture'):
        head = model[role].head
        assert model[role]._scope_ == 'mmpretrain'
        assert head.type == 'LinearClsHead'
        assert head.num_classes == gen.num_classes
    proj = model.generator_distiller.connectors.proj
    assert proj.in_channels == model.architecture.head.in_channels
    assert proj.out_channels == model.teacher.head.in_channels


@pytest.mark.parametrize('path', GPU_CONFIGS, ids=osp.basename)
def test_gpu_configs_take_the_recipe_from_one_base(path):
    # One place for the schedule, optimisers and update counts: a pair
    # config adds its dataset, backbones, widths and teacher file only.
    text = open(path).read()
    assert "'../_base_/cpsc_paper_recipe.py'" in text
    for key in ('optim_wrapper', 'param_scheduler', 'train_cfg',
                'generator_steps', 'student_steps', 'max_iters'):
        assert not re.search(rf'^\s*{key}\s*=', text, re.M), key
    cfg = Config.fromfile(path)
    assert (cfg.train_dataloader.dataset.num_classes ==
            cfg.model.generator.num_classes)


def test_every_paper_pair_has_a_reference_config():
    defaults = {p[:-len('_reference.py')] + '.py' for p in REFERENCE_CONFIGS}
    assert defaults == set(GPU_CONFIGS)


@pytest.mark.parametrize('path', REFERENCE_CONFIGS, ids=osp.basename)
def test_reference_config_is_its_default_plus_the_reference_switches(path):
    ref = Config.fromfile(path)
    default = Config.fromfile(path[:-len('_reference.py')] + '.py')
    # Everything but the switches is the default's: budget, models, weights.
    for key in ('train_cfg', 'train_dataloader', 'val_dataloader'):
        assert ref[key] == default[key], key
    for key in ('architecture', 'teacher', 'generator', 'generator_steps',
                'student_steps', 'teacher_ckpt'):
        assert ref.model[key] == default.model[key], key
    assert ref.optim_wrapper.generator == default.optim_wrapper.generator
    assert ref.param_scheduler.architecture == \
        default.param_scheduler.architecture
    # The switches.
    assert ref.model.reset_generator_optimizer is True
    assert not default.model.get('reset_generator_optimizer', False)
    mse = 'log_mse' if path.endswith('_cifar10_reference.py') else 'mse'
    gen = ref.model.generator_distiller
    assert gen.distill_losses.loss_adv_ikd.mode == mse
    assert ref.model.distiller.distill_losses.loss_ikd.mode == mse
    for distiller in (gen, ref.model.distiller):
        assert distiller.distill_losses.loss_ce.reference_double_softmax
    widths_differ = (ref.model.architecture.head.in_channels !=
                     ref.model.teacher.head.in_channels)
    assert ('proj' in gen.connectors) is widths_differ
    assert ('connector' in gen.loss_forward_mappings.loss_scl.student_feats
            ) is widths_differ
    assert ('generator_distiller' in ref.optim_wrapper) is widths_differ


@pytest.fixture
def one_thread():
    """One intra-op thread for the heavy steps, restored afterwards.

    On a 2-core machine already busy with another process, two OpenMP threads
    contend and made these steps 3-10x slower than one (measured: ResNet-34
    at 64x64, 13 s vs 2.9 s per train_step).
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _params(module):
    return [p.detach().clone() for p in module.parameters()]


def _changed(before, module):
    return any(not torch.equal(b, p)
               for b, p in zip(before, module.parameters()))


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_two_train_steps(path, one_thread):
    cfg = Config.fromfile(path)
    cfg.model.teacher_ckpt = None
    cfg.model.generator_steps = 1
    cfg.model.student_steps = 1
    # Both parts must train in two steps: no generator head start.
    cfg.model.student_start_iter = 0
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)

    # The feature widths the recorders see are the ones the config declares
    # (no projection head only where they are equal).
    if 'proj' in model.generator_distiller.connectors:
        proj = model.generator_distiller.connectors['proj']
        widths = (proj.in_channels, proj.proj.out_features)
    else:
        widths = (model.teacher.head.fc.in_features, ) * 2
    for role, width in zip(('student', 'teacher'), widths):
        assert getattr(model, role).head.fc.in_features == width

    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    data = pseudo_collate([dataset[i] for i in range(_batch_size(path))])
    student, generator = _params(model.student), _params(model.generator)
    teacher = {k: v.clone() for k, v in model.teacher.state_dict().items()}
    model.train()
    for _ in range(2):
        log_vars = model.train_step(data, optim_wrapper)
        assert log_vars
        for name, value in log_vars.items():
            assert torch.isfinite(torch.as_tensor(value)).all(), name
    assert _changed(student, model.student)
    assert _changed(generator, model.generator)
    for key, value in model.teacher.state_dict().items():
        assert torch.equal(value, teacher[key]), key  # frozen, BN included


def _write_image(path, value):
    from PIL import Image
    Image.new('RGB', (64, 64), (value, 0, 255 - value)).save(path)


def test_tiny_imagenet_validation_reads_class_folders(tmp_path):
    """The documented val/ layout feeds the student 64x64 RGB images."""
    cfg = Config.fromfile(
        osp.join(REPO, 'configs', 'cpsc',
                 'cpsc_resnet34_resnet18_tiny-imagenet.py'))
    for i, wnid in enumerate(('n01443537', 'n01629819')):
        folder = tmp_path / 'val' / wnid
        folder.mkdir(parents=True)
        _write_image(folder / f'val_{i}.JPEG', 40 * i)
    (tmp_path / 'val' / 'val_annotations.txt').write_text('left in place\n')
    dataset_cfg = cfg.val_dataloader.dataset
    dataset_cfg.data_root = str(tmp_path)
    from mmpretrain.registry import DATASETS as PRETRAIN_DATASETS
    dataset = PRETRAIN_DATASETS.build(dataset_cfg)
    assert len(dataset) == 2
    assert [dataset[i]['data_samples'].gt_label.item() for i in range(2)
            ] == [0, 1]
    preprocessor = MODELS.build(cfg.model.data_preprocessor)
    batch = preprocessor(pseudo_collate([dataset[0], dataset[1]]), False)
    assert batch['inputs'].shape == (2, 3, 64, 64)
    # to_rgb: the red-free first image has its largest value in channel 2.
    assert batch['inputs'][0, 2].mean() > batch['inputs'][0, 0].mean()


VARIANTS = sorted(glob.glob(osp.join(REPO, 'configs', 'cpsc', 'variants',
                                     '*_no_warmup.py')))
# Every method of the CPU-sized CIFAR-10 pair (the benchmark's suite).
CIFAR10_DATA_FREE = sorted(
    glob.glob(osp.join(REPO, 'configs', 'cpsc', '*wrn16-2_wrn16-1_cifar10.py'))
    + glob.glob(osp.join(REPO, 'configs', 'baselines',
                         '*wrn16-2_wrn16-1_cifar10.py')))


def _student_lrs(schedulers_cfg, max_iters: int) -> List[float]:
    """The student LR at every iteration of a run of ``max_iters``, from the
    real mmengine schedulers (``end`` filled in as the Runner does)."""
    import copy

    import torch
    from mmengine.registry import PARAM_SCHEDULERS
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    schedulers = []
    for cfg in copy.deepcopy(schedulers_cfg):
        cfg.setdefault('end', max_iters)
        schedulers.append(PARAM_SCHEDULERS.build(
            dict(**cfg, optimizer=optimizer)))
    lrs = []
    for _ in range(max_iters):
        lrs.append(optimizer.param_groups[0]['lr'])
        optimizer.step()
        for scheduler in schedulers:
            scheduler.step()
    return lrs


@pytest.mark.parametrize('path', CIFAR10_DATA_FREE, ids=osp.basename)
def test_every_cifar10_method_warms_the_student_up_alike(path):
    # The warm-up is part of the shared budget, not a CPSC advantage.
    cfg = Config.fromfile(path)
    assert cfg.param_scheduler.architecture == Config.fromfile(
        CIFAR10_DATA_FREE[0]).param_scheduler.architecture
    warmup, cosine = cfg.param_scheduler.architecture
    assert (warmup.type, warmup.start_factor, warmup.end) == ('LinearLR',
                                                              0.01, 40)
    assert cosine.type == 'CosineAnnealingLR'


def test_cifar10_student_lr_is_warmup_times_cosine():
    import math
    schedule = Config.fromfile(
        CIFAR10_DATA_FREE[0]).param_scheduler.architecture
    lrs = _student_lrs(schedule, 400)
    for t in (0, 1, 20, 39, 40, 41, 200, 399):
        # mmengine's LinearLR reaches its end factor at iteration end - 1.
        warmup = 0.01 + 0.99 * min(t, 39) / 39
        cosine = (1 + math.cos(math.pi * t / 400)) / 2
        assert lrs[t] == pytest.approx(0.1 * warmup * cosine, rel=1e-6)
    # A run shorter than the warm-up (a timing calibration) still builds and
    # ends on its own cosine.
    short = _student_lrs(schedule, 6)
    assert short[0] == pytest.approx(1e-3)
    assert all(0 < lr < 0.1 for lr in short)


@pytest.mark.parametrize('path', VARIANTS, ids=osp.basename)
def test_no_warmup_variant_changes_only_the_student_schedule(path):
    variant = Config.fromfile(path)
    base = Config.fromfile(osp.join(
        REPO, 'configs', 'cpsc',
        osp.basename(path).replace('_no_warmup.py', '.py')))
    [cosine] = variant.param_scheduler.architecture
    assert (cosine.type, cosine.get('begin', 0)) == ('CosineAnnealingLR', 0)
    variant.param_scheduler.architecture = base.param_scheduler.architecture
    assert variant.to_dict() == base.to_dict()


def test_no_warmup_variants_and_cifar10_methods_found():
    assert len(VARIANTS) == 2
    # CPSC, CPSC-PAPER, DAFL, DFAD, ZSKT.
    assert len(CIFAR10_DATA_FREE) == 5


MNIST_CONDITIONING_VARIANTS = sorted(glob.glob(osp.join(
    REPO, 'configs', 'cpsc', 'variants', 'cpsc_lenet5bn_lenet5half_mnist_*.py')))
MNIST_CPSC = osp.join(REPO, 'configs', 'cpsc',
                      'cpsc_lenet5bn_lenet5half_mnist.py')


def _without(cfg_dict, *paths):
    """``cfg_dict`` with the dotted ``paths`` removed."""
    import copy
    cfg_dict = copy.deepcopy(cfg_dict)
    for path in paths:
        *parents, last = path.split('.')
        node = cfg_dict
        for key in parents:
            node = node[key]
        node.pop(last)
    return cfg_dict


@pytest.mark.parametrize('path', MNIST_CONDITIONING_VARIANTS, ids=osp.basename)
def test_mnist_conditioning_variant_changes_only_what_it_names(path, one_thread):
    """Each variant is the shipped MNIST config plus the change it names
    (ramp-fade, ramp-x20-fade: scheduled ones together), so its
    measured difference is that change's; and it trains."""
    variant, base = Config.fromfile(path), Config.fromfile(MNIST_CPSC)
    name = osp.basename(path)[len('cpsc_lenet5bn_lenet5half_mnist_'):-3]
    confirmed = {'confirmed-ce': ('distiller', 'loss_ce', 'confirmation',
                                  'teacher_prob'),
                 'confirmed-contrast': ('generator_distiller', 'loss_scl',
                                        'positives', 'teacher_confirmed')}
    if name in confirmed:
        part, loss_name, option, value = confirmed[name]
        distiller = variant.model[part]
        assert distiller.distill_losses[loss_name][option] == value
        mapping = distiller.loss_forward_mappings[loss_name]
        assert mapping.teacher_logits == dict(from_student=False,
                                              recorder='logits')
        changed = (f'model.{part}.distill_losses.{loss_name}.{option}',
                   f'model.{part}.loss_forward_mappings.{loss_name}.'
                   'teacher_logits')
        assert _without(variant.to_dict(), *changed) == base.to_dict()
    else:
        # The shipped hooks, in order, then the schedule.
        *hooks, schedule = variant.custom_hooks
        assert hooks == base.custom_hooks
        assert schedule.type == 'LossWeightScheduleHook'
        losses = {s.loss.split('.')[-1]: (s.end_factor, s.begin, s.end)
                  for s in schedule.schedules}
        ramp, fade = {'loss_ce': (7.0, .2, .6)}, {
            'loss_adv_kl': (0.0, .2, .6), 'loss_adv_ikd': (0.0, .2, .6)}
        ramp_x20 = {'loss_ce': (20.0, .1, .5)}
        assert losses == {'gen-ce-ramp': ramp, 'adv-fade': fade,
                          'gen-ce-ramp-x20': ramp_x20,
                          'ramp-fade': {**ramp, **fade},
                          'ramp-x20-fade': {**ramp_x20, **fade}}[name]
        assert all(s.by_fraction for s in schedule.schedules)
        assert all(s.loss.startswith('generator_distiller.')
                   for s in schedule.schedules)
        assert _without(variant.to_dict(), 'custom_hooks') == _without(
            base.to_dict(), 'custom_hooks')
    # It builds and a train step updates the student.
    variant.model.teacher_ckpt = None
    variant.model.generator.hidden_channels = 8
    variant.model.student_steps = 1
    model = MODELS.build(variant.model)
    model.init_weights()
    optim_wrapper = build_optim_wrapper(model, variant.optim_wrapper)
    before = _params(model.student)
    model.train()
    log = model.train_step(dict(inputs=[torch.zeros(1, 1, 1)] * 8,
                                data_samples=[None] * 8), optim_wrapper)
    assert _changed(before, model.student)
    assert torch.isfinite(log['stu.loss_ce'])


def test_mnist_conditioning_variants_found():
    assert len(MNIST_CONDITIONING_VARIANTS) == 7
