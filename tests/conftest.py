"""Shared fixtures: the real stack, small models, MNIST-shaped files on disk."""
import os
import os.path as osp
import struct
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import mmrazor_cpsc  # noqa: F401  (compat fixes first)
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmrazor.registry import MODELS
from mmrazor.utils import register_all_modules

register_all_modules(False)
# `make test` runs two pytest-xdist workers, one per core: each worker, and
# every process it starts, gets one thread, since two workers of two threads
# each would oversubscribe the two cores (5-7x slower, ecosystem notes). A
# plain `pytest` (no workers) keeps both cores for itself.
if os.environ.get('PYTEST_XDIST_WORKER'):
    os.environ['OMP_NUM_THREADS'] = '1'
    torch.set_num_threads(1)
else:
    torch.set_num_threads(2)

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
MNIST_CONFIG = osp.join(REPO, 'configs', 'cpsc',
                        'cpsc_lenet5bn_lenet5half_mnist.py')
TEACHER_CONFIG = osp.join(REPO, 'configs', 'teachers', 'lenet5_bn_mnist.py')


def small_mnist_cfg(**model_overrides) -> Config:
    """The MNIST CPSC config with a narrow generator and no teacher file."""
    cfg = Config.fromfile(MNIST_CONFIG)
    cfg.model.teacher_ckpt = None
    cfg.model.generator.hidden_channels = 8
    cfg.model.generator.latent_dim = 16
    cfg.model.update(model_overrides)
    return cfg


def build_algorithm(cfg: Config):
    model = MODELS.build(cfg.model)
    model.init_weights()
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    return model, optim_wrapper


@pytest.fixture
def mnist_algorithm():
    torch.manual_seed(0)
    return build_algorithm(small_mnist_cfg())


def save_random_teacher(path, config: str = TEACHER_CONFIG,
                        seed: int = 0) -> str:
    """A freshly initialised classifier of CONFIG saved as a state dict at
    PATH (a teacher checkpoint for runs that test plumbing, not accuracy)."""
    from mmpretrain.registry import MODELS as CLASSIFIERS
    torch.manual_seed(seed)
    teacher = CLASSIFIERS.build(Config.fromfile(config).model)
    torch.save(teacher.state_dict(), path)
    return os.fspath(path)


def write_idx(path: str, array: np.ndarray) -> None:
    """Write an IDX file (the MNIST format) for uint8 data."""
    magic = 2049 if array.ndim == 1 else 2051
    with open(path, 'wb') as f:
        f.write(struct.pack('>II', magic, array.shape[0]))
        for dim in array.shape[1:]:
            f.write(struct.pack('>I', dim))
        f.write(array.astype(np.uint8).tobytes())


@pytest.fixture
def fake_mnist_root(tmp_path):
    """A tiny MNIST-format dataset mmpretrain's MNIST class reads."""
    return fake_mnist_files(tmp_path)


def fake_mnist_files(parent) -> str:
    """``fake_mnist_root``'s files under PARENT/mnist (for fixtures of a
    wider scope): 40 train and 40 test images, 4 of each class."""
    rng = np.random.default_rng(0)
    root = parent / 'mnist'
    root.mkdir()
    for prefix, count in (('train', 40), ('t10k', 40)):
        labels = np.arange(count) % 10
        images = rng.integers(0, 256, (count, 28, 28))
        write_idx(os.fspath(root / f'{prefix}-images-idx3-ubyte'), images)
        write_idx(os.fspath(root / f'{prefix}-labels-idx1-ubyte'), labels)
    return os.fspath(root)


def mnist_val_options(root) -> list:
    """--cfg-options that point the MNIST configs' validation set (a
    held-out slice of the training images) at ROOT: 2 of the 4 images per
    class of ``fake_mnist_root``."""
    return [f'val_dataloader.dataset.dataset.data_root={root}',
            'val_dataloader.dataset.per_class=2']


def mnist_train_options(root) -> list:
    """The same for a classifier config's training set (the other images)."""
    return [f'train_dataloader.dataset.dataset.data_root={root}',
            'train_dataloader.dataset.per_class=2']


def run_train_tool(config: str, work_dir, options=(), expect_ok=True) -> str:
    """``tools/train.py CONFIG --work-dir DIR --cfg-options ...`` in a fresh
    process with one intra-op thread (the suite shares 2 cores); returns the
    log and, with ``expect_ok``, asserts a zero exit code."""
    command = [sys.executable, 'tools/train.py', config, '--work-dir',
               os.fspath(work_dir)]
    if options:
        command += ['--cfg-options', *options]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True,
                            timeout=600,
                            env=dict(os.environ, OMP_NUM_THREADS='1'))
    log = result.stdout + result.stderr
    assert (result.returncode == 0) == expect_ok, log[-3000:]
    return log



CIFAR10_CLASSES = ('airplane', 'automobile', 'bird', 'cat', 'deer', 'dog',
                   'frog', 'horse', 'ship', 'truck')


def write_cifar_like_folder(root, per_class=None, classes=CIFAR10_CLASSES,
                            size=32, seed=0):
    """``root/{train,test}/<class>/NNNN.png``: random 32x32 RGB images (PNG,
    lossless, so decoded pixels are known); returns {split: [(array, label)]}."""
    from PIL import Image
    per_class = per_class or {'train': 6, 'test': 2}
    rng = np.random.default_rng(seed)
    written = {}
    for split, count in per_class.items():
        written[split] = []
        for label, cls in enumerate(classes):
            folder = os.path.join(root, split, cls)
            os.makedirs(folder, exist_ok=True)
            for k in range(count):
                pixels = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
                Image.fromarray(pixels).save(
                    os.path.join(folder, f'{k:04d}.png'))
                written[split].append((pixels, label))
    return written


@pytest.fixture(scope='session')
def tiny_cifar10_root(tmp_path_factory):
    """A tiny CIFAR-10 in mmpretrain's `cifar-10-batches-py` layout, built by
    tools/prepare_cifar10.py's main() (in this process; its own test runs
    the script) from generated images (12 train / 4 test per class)."""
    base = tmp_path_factory.mktemp('cifar')
    write_cifar_like_folder(os.fspath(base / 'images'),
                            {'train': 12, 'test': 4})
    root = base / 'cifar10'
    tool = load_script('tools', 'prepare_cifar10')
    assert tool.main(['--source', os.fspath(base / 'images'), '--root',
                      os.fspath(root), '--allow-any-size']) == 0
    return os.fspath(root)


def tiny_mmrazor_dfad(student_train_first=False,
                      algorithm='DataFreeDistillation', **options):
    """MMRazor's DataFreeDistillation (or a subclass: ``algorithm``, with
    its extra ``options``) configured as DFAD, on tiny models: (algorithm,
    its optim wrapper, a batch of 8 images)."""

    def lenet(fc):
        channels = (6, 16, 120) if fc == 84 else (3, 8, 60)
        return dict(_scope_='mmpretrain', type='ImageClassifier',
                    backbone=dict(type='LeNet5BN', in_channels=3,
                                  channels=channels, fc_channels=fc),
                    head=dict(type='LinearClsHead', num_classes=10,
                              in_channels=fc))

    logits = dict(type='ModuleOutputs', source='head.fc')
    t_logits = dict(type='ModuleOutputs', source='t.head.fc')
    l1 = dict(s_feature=dict(from_student=True, recorder='fc'),
              t_feature=dict(from_student=False, recorder='fc'))
    model = MODELS.build(dict(
        type=algorithm,
        architecture=lenet(42),
        teachers=dict(t=dict(build_cfg=lenet(84))),
        generator=dict(type='DAFLGenerator', img_size=32, latent_dim=16,
                       hidden_channels=8),
        distiller=dict(
            type='ConfigurableDistiller', student_recorders=dict(fc=logits),
            teacher_recorders=dict(fc=t_logits),
            distill_losses=dict(loss_l1=dict(type='L1Loss')),
            loss_forward_mappings=dict(loss_l1=l1)),
        generator_distiller=dict(
            type='ConfigurableDistiller', student_recorders=dict(fc=logits),
            teacher_recorders=dict(fc=t_logits),
            distill_losses=dict(loss_l1=dict(type='L1Loss', loss_weight=-2)),
            loss_forward_mappings=dict(loss_l1=l1)),
        student_train_first=student_train_first, **options))
    optim = build_optim_wrapper(model, dict(
        constructor='mmrazor.SeparateOptimWrapperConstructor',
        architecture=dict(optimizer=dict(type='SGD', lr=0.1)),
        generator=dict(optimizer=dict(type='Adam', lr=1e-3))))
    from mmpretrain.structures import DataSample
    data = dict(inputs=[torch.zeros(3, 32, 32, dtype=torch.uint8)] * 8,
                data_samples=[DataSample().set_gt_label(i % 10)
                              for i in range(8)])
    return model, optim, data


def load_script(folder: str, name: str):
    """FOLDER/NAME.py of the repository (``tools`` or ``.dev_scripts``) as a
    module: they are scripts, not a package, and are imported without
    touching ``sys.path``."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        name, osp.join(REPO, folder, f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_tool(name: str, *args: str) -> subprocess.CompletedProcess:
    """``python tools/NAME.py ARGS`` from the repository in a fresh process
    with one intra-op thread; its output captured, its exit code unchecked
    (the caller asserts on it)."""
    return subprocess.run([sys.executable, osp.join('tools', f'{name}.py'),
                           *args], cwd=REPO, capture_output=True, text=True,
                          timeout=600, env=dict(os.environ,
                                                OMP_NUM_THREADS='1'))


def run_tool_here(name: str, *args: str):
    """``tools/NAME.py ARGS`` in this process, as its ``__main__`` block runs
    it (under the tool's errors_as_messages), from the repository: the exit
    code, 0 when main() returns, the message of a one-line error (exit code
    1) as a string. For tests about what a tool does rather than about its
    process; run_tool and run_train_tool keep the real process.

    The worker is left as it was: the random states are restored and the
    global instances a Runner creates (logger, message hub, visualizer,
    default scope), which mmengine names by config and second, are dropped,
    so a later run of the same config cannot pick them up."""
    import random

    from mmengine.utils import ManagerMixin

    from mmrazor_cpsc.utils.cli import errors_as_messages

    def managers(cls=ManagerMixin):
        for sub in cls.__subclasses__():
            yield sub
            yield from managers(sub)

    tool = load_script('tools', name)
    before = {cls: set(cls._instance_dict) for cls in managers()}
    states = (random.getstate(), np.random.get_state(), torch.get_rng_state())
    argv, cwd = sys.argv, os.getcwd()
    sys.argv = [osp.join('tools', f'{name}.py'), *args]
    os.chdir(REPO)  # where run_tool's processes start
    try:
        with errors_as_messages(f'tools/{name}.py'):
            tool.main()
    except SystemExit as exit:
        return exit.code
    finally:
        sys.argv = argv
        os.chdir(cwd)
        for cls in managers():
            for key in set(cls._instance_dict) - before.get(cls, set()):
                instance = cls._instance_dict.pop(key)
                for handler in getattr(instance, 'handlers', [])[:]:
                    handler.close()
                    instance.removeHandler(handler)
        random.setstate(states[0])
        np.random.set_state(states[1])
        torch.set_rng_state(states[2])
    return 0


def train_here(config: str, work_dir, options=()) -> str:
    """``tools/train.py CONFIG --work-dir DIR --cfg-options ...`` through
    :func:`run_tool_here`, asserting it succeeds: for tests of what a config
    trains, not of the training process. Returns the Runner's log file (what
    the Runner and the hooks logged)."""
    import glob
    work_dir = os.fspath(work_dir)
    argv = [config, '--work-dir', work_dir]
    if options:
        argv += ['--cfg-options', *options]
    assert run_tool_here('train', *argv) == 0
    [log] = sorted(glob.glob(osp.join(work_dir, '*', '*.log')))[-1:]
    with open(log, encoding='utf-8') as f:
        return f.read()


def crop_flip_of(original: torch.Tensor, augmented: torch.Tensor,
                 padding: int) -> set:
    """Every (dy, dx, flipped) that turns ORIGINAL (C, H, W) into
    AUGMENTED."""
    padded = F.pad(original, [padding] * 4)
    height, width = original.shape[-2:]
    found = set()
    for dy in range(2 * padding + 1):
        for dx in range(2 * padding + 1):
            crop = padded[:, dy:dy + height, dx:dx + width]
            for flipped, candidate in ((False, crop), (True, crop.flip(2))):
                if torch.equal(candidate, augmented):
                    found.add((dy - padding, dx - padding, flipped))
    return found
