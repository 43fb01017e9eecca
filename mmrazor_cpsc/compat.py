"""Compatibility fixes for the upstream stack as it is (mmrazor 1.0.0 on torch 2.x).

Every fix here is applied by :func:`apply_all` when ``mmrazor_cpsc`` is imported,
before anything imports ``mmrazor.models``. Each fix names the upstream symptom,
why it happens and what the smallest fix is; ``tests/test_compat.py`` shows the
symptom with the fix undone.

The fixes never switch PyTorch's safe (weights-only) checkpoint loading off for
the process: teacher checkpoints may come from strangers.
"""
from __future__ import annotations

import contextlib
import logging
import os
import sys
from typing import Callable, Iterator, List

import torch

__all__ = [
    'apply_all', 'patch_torch_quantization_names', 'mmengine_checkpoint_globals',
    'safe_mmengine_checkpoint_loading', 'patch_mmengine_checkpoint_loading',
    'patch_history_buffer_pickling', 'patch_mmengine_installed_path',
    'patch_cpu_distributed',
    'patch_mmrazor_data_free_distillation', 'patch_mmrazor_quantization',
    'exit_distributed_cleanly'
]

_QUANT_SETTERS = ('_set_input_output_observed', '_set_overwrite_output_observer',
                  '_set_overwrite_output_fake_quantize')


def patch_torch_quantization_names() -> List[str]:
    """Restore the private torch.ao.quantization names mmrazor 1.0.0 imports.

    Symptom: ``import mmrazor.models`` raises
    ``ImportError: `torch>=1.13` is not installed properly`` (mmrazor #615, #632).
    Reason: torch 2.x renamed ``fuser_method_mappings.reverse2/reverse3`` to
    ``_reverse2/_reverse3``, removed ``reverse_sequential_wrapper2``, no longer
    exposes ``backend_config.utils`` as an attribute, and dropped three private
    ``BackendPatternConfig`` setters. mmrazor's quantization backend config
    imports them at module level, and ``mmrazor.models`` imports that config, so
    every mmrazor algorithm (distillation included) fails to import.
    Fix: aliases and no-op setters (the dropped setters tuned observer
    placement for a few ops). Distillation does not use quantization; for
    quantization to build correct models, see
    :func:`patch_mmrazor_quantization` (its test checks a calibrated model's
    logits against the float model's).

    Returns:
        list[str]: names of the attributes that were added (empty when the
        running torch already had them all, so nothing was changed).
    """
    added: List[str] = []
    from torch.ao.quantization import fuser_method_mappings as fmm
    for old, new in (('reverse2', '_reverse2'), ('reverse3', '_reverse3')):
        if not hasattr(fmm, old) and hasattr(fmm, new):
            setattr(fmm, old, getattr(fmm, new))
            added.append(f'fuser_method_mappings.{old}')
    if not hasattr(fmm, 'reverse_sequential_wrapper2'):

        def reverse_sequential_wrapper2(sequential: Callable) -> Callable:
            # Same contract as torch<2.0: fuse (x, y) given in reverse order.
            return lambda is_qat, x, y: sequential(y, x)

        fmm.reverse_sequential_wrapper2 = reverse_sequential_wrapper2
        added.append('fuser_method_mappings.reverse_sequential_wrapper2')

    import torch.ao.quantization.backend_config as backend_config
    if not hasattr(backend_config, 'utils'):
        import importlib
        backend_config.utils = importlib.import_module(
            'torch.ao.quantization.backend_config.utils')
        added.append('backend_config.utils')

    from torch.ao.quantization.backend_config import BackendPatternConfig
    for setter in _QUANT_SETTERS:
        if not hasattr(BackendPatternConfig, setter):
            setattr(BackendPatternConfig, setter, _noop_setter)
            added.append(f'BackendPatternConfig.{setter}')
    return added


def _noop_setter(self, *args, **kwargs):
    """Setter kept only so mmrazor's quantization config builds; ignores input."""
    return self


def mmengine_checkpoint_globals() -> list:
    """Non-tensor types an mmengine-saved checkpoint legitimately contains.

    mmengine stores the message hub (``HistoryBuffer`` with numpy arrays) and
    numpy scalars/dtypes in ``meta``. These are data containers whose
    unpickling runs no user code; allowing exactly them keeps the weights-only
    loader on while still reading the project's own checkpoints.
    """
    import numpy as np
    from mmengine.logging.history_buffer import HistoryBuffer
    allowed = [HistoryBuffer, np.ndarray, np.dtype]
    try:
        from numpy._core.multiarray import _reconstruct, scalar
    except ImportError:  # numpy < 2
        from numpy.core.multiarray import _reconstruct, scalar
    allowed += [_reconstruct, scalar]
    # numpy 2 pickles dtypes by their concrete class (e.g. Float64DType).
    allowed += [type(np.dtype(t)) for t in (np.float64, np.float32, np.int64,
                                           np.int32, np.uint32, np.bool_,
                                           np.uint8)]
    return allowed


@contextlib.contextmanager
def safe_mmengine_checkpoint_loading() -> Iterator[None]:
    """Context in which weights-only ``torch.load`` accepts mmengine metadata."""
    with torch.serialization.safe_globals(mmengine_checkpoint_globals()):
        yield


def patch_mmengine_checkpoint_loading() -> bool:
    """Let mmengine resume from its own checkpoints with safe loading kept on.

    Symptom: ``tools/train.py CONFIG --resume`` (or ``load_from``) fails with
    ``UnpicklingError: ... Unsupported global:
    mmengine.logging.history_buffer.HistoryBuffer``.
    Reason: torch>=2.6 defaults ``torch.load`` to ``weights_only=True``;
    mmengine 0.10.7 calls ``torch.load`` without saying what else is allowed,
    and its checkpoints carry the message hub (``HistoryBuffer``, numpy arrays).
    Fix: wrap mmengine's local/HTTP/PAVI checkpoint loaders so that each load
    allows exactly :func:`mmengine_checkpoint_globals`, only during that call.
    Anything else (a pickled function, ``os.system``...) is still refused.
    ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD`` is never set.

    Returns:
        bool: True when the loader was wrapped by this call.
    """
    from mmengine.runner import checkpoint as ckpt_module
    loaders = ckpt_module.CheckpointLoader._schemes
    patched = False
    for prefix, loader in list(loaders.items()):
        if getattr(loader, '_cpsc_safe_globals', False):
            continue

        def wrapped(*args, __loader=loader, **kwargs):
            with safe_mmengine_checkpoint_loading():
                return __loader(*args, **kwargs)

        wrapped._cpsc_safe_globals = True
        wrapped.__wrapped__ = loader
        loaders[prefix] = wrapped
        patched = True
    return patched


def patch_history_buffer_pickling() -> bool:
    """Write mmengine checkpoints that PyTorch's weights-only loader can read.

    Symptom: loading an mmengine checkpoint with ``weights_only=True`` fails
    with ``Unsupported global: GLOBAL builtins.getattr`` even when
    ``HistoryBuffer`` and numpy are allow-listed.
    Reason: ``HistoryBuffer.__getstate__`` (mmengine 0.10.7) adds the
    class-level ``_statistics_methods`` dict (functions) to every buffer's
    pickled state; functions pickle as ``getattr(HistoryBuffer, 'min')``, and
    allowing ``getattr`` in the loader would let a malicious file reach any
    attribute of any object - a sandbox escape.
    Fix: pickle a buffer's own data only. The statistics methods are
    registered on the class at import time (``register_statistics``), so a
    loaded buffer has them anyway; mmengine's ``__setstate__`` already accepts
    a state without them. Checkpoints written by other mmengine programs still
    carry ``getattr`` and are refused by the safe loader with a clear error.

    Returns:
        bool: True when ``HistoryBuffer.__getstate__`` was replaced.
    """
    from mmengine.logging.history_buffer import HistoryBuffer
    if getattr(HistoryBuffer.__getstate__, '_cpsc_data_only', False):
        return False

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop('statistics_methods', None)
        return state

    __getstate__._cpsc_data_only = True
    __getstate__.__wrapped__ = HistoryBuffer.__getstate__
    HistoryBuffer.__getstate__ = __getstate__
    return True


def patch_mmengine_installed_path() -> bool:
    """Resolve ``pkg::`` configs of a package installed in editable mode.

    Symptom: after ``pip install -e .`` (what ``make`` and MMRazor's own
    install guide do), a config with ``_base_ =
    ['mmrazor_cpsc::cpsc/....py']`` fails with ``FileNotFoundError:
    '.../site-packages/mmrazor_cpsc/.mim/model-index.yml'``.
    Reason: mmengine's ``get_installed_path`` (0.10.7) joins the
    distribution's location with the module name whether that folder exists
    or not; an editable install (PEP 660) puts only its metadata and an
    import hook in site-packages, and the package stays in the source tree.
    Fix: when that folder does not exist, answer where Python imports the
    module from (``importlib``'s ``find_spec``), as mmengine already does for
    packages without a distribution. The editable build links the source
    tree's ``.mim`` to configs/tools/model-index (setup.py).

    Returns:
        bool: True when mmengine's config module got the wrapper.
    """
    import importlib.util
    import os.path as osp

    from mmengine.config import config as config_module
    original = config_module.get_installed_path
    if getattr(original, '_cpsc_editable_aware', False):
        return False

    def get_installed_path(package: str) -> str:
        path = original(package)
        if not osp.isdir(path):
            spec = importlib.util.find_spec(package.replace('-', '_'))
            if spec is not None and spec.origin is not None:
                return osp.dirname(spec.origin)
        return path

    get_installed_path._cpsc_editable_aware = True
    get_installed_path.__wrapped__ = original
    config_module.get_installed_path = get_installed_path
    return True


def patch_cpu_distributed() -> List[str]:
    """Let mmengine's PyTorch launcher run on CPU with the gloo backend.

    Symptoms (no GPU, ``tools/dist_train.sh CONFIG 2`` with
    ``env_cfg.dist_cfg.backend='gloo'``):
    ``RuntimeError: Found no NVIDIA driver on your system`` from
    ``mmengine.dist.utils._init_dist_pytorch``; once past that,
    ``ValueError: DistributedDataParallel device_ids and output_device
    arguments only work with single-device/multiple-device GPU modules``.
    Reason: mmengine 0.10.7 calls ``torch.cuda.set_device(local_rank)``
    unconditionally, and ``Runner.wrap_model`` always passes
    ``device_ids=[LOCAL_RANK]`` to DDP wrappers, which is only valid for CUDA
    modules.
    Fix: skip ``set_device`` when CUDA is unavailable (and use gloo, since
    NCCL needs GPUs, so one config runs unchanged on GPUs and CPUs); drop
    ``device_ids`` / ``output_device`` when the wrapped module lives on the
    CPU. GPU runs are unchanged.

    Returns:
        list[str]: what was patched by this call.
    """
    from mmengine.dist import utils as dist_utils
    from mmengine.model.wrappers import MMDistributedDataParallel
    patched: List[str] = []

    original_init_dist = dist_utils._init_dist_pytorch
    if not getattr(original_init_dist, '_cpsc_cpu', False):

        def _init_dist_pytorch(backend='nccl', init_backend='torch', **kwargs):
            if torch.cuda.is_available():
                return original_init_dist(backend, init_backend=init_backend,
                                          **kwargs)
            if backend == 'nccl':
                # NCCL needs GPUs; gloo runs the same config on CPUs.
                from mmengine.logging import print_log
                print_log('No GPU: using the gloo backend instead of nccl.',
                          logger='current')
                backend = 'gloo'
            torch.distributed.init_process_group(backend=backend, **kwargs)

        _init_dist_pytorch._cpsc_cpu = True
        _init_dist_pytorch.__wrapped__ = original_init_dist
        dist_utils._init_dist_pytorch = _init_dist_pytorch
        patched.append('mmengine.dist.utils._init_dist_pytorch')

    original_ddp_init = MMDistributedDataParallel.__init__
    if not getattr(original_ddp_init, '_cpsc_cpu', False):

        def __init__(self, module, detect_anomalous_params=False, **kwargs):
            first = next(module.parameters(), None)
            if first is not None and first.device.type == 'cpu':
                kwargs.pop('device_ids', None)
                kwargs.pop('output_device', None)
            original_ddp_init(self, module=module,
                              detect_anomalous_params=detect_anomalous_params,
                              **kwargs)

        __init__._cpsc_cpu = True
        __init__.__wrapped__ = original_ddp_init
        MMDistributedDataParallel.__init__ = __init__
        patched.append('MMDistributedDataParallel.__init__')
    return patched


@contextlib.contextmanager
def exit_distributed_cleanly() -> Iterator[None]:
    """End a distributed run cleanly: destroy the process group and leave
    without C++ static destruction.

    Upstream symptom (torch 2.x, gloo on CPU): after a run that finished and
    saved its checkpoint, one rank sometimes dies at interpreter shutdown with
    ``terminate called without an active exception`` (SIGABRT, no Python
    frame) and torchrun reports the whole job as failed; about one run in
    eight of ``tools/dist_train.sh CONFIG 2``. Destroying the process group
    alone does not stop it: some c10d thread is still joinable when static
    destructors run. So once the work is done and every rank has passed the
    final barrier, a rank flushes its output and exits with ``os._exit(0)``.
    A run that raised is left to fail normally (traceback, non-zero code).
    Processes that never started a process group are untouched.
    """
    yield
    if not (torch.distributed.is_available() and torch.distributed.is_initialized()):
        return
    torch.distributed.barrier()
    torch.distributed.destroy_process_group()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def patch_mmrazor_data_free_distillation() -> List[str]:
    """Make MMRazor's DataFreeDistillation / DAFLDataFreeDistillation usable.

    Symptom 1: every single-process run of DFAD, ZSKT or DAFL raises
    ``AttributeError: 'DAFLGenerator' object has no attribute 'module'``.
    Reason: ``train_step``/``train_student``/``train_generator`` read
    ``self.generator.module.latent_dim``, which exists only when the generator
    is wrapped by DDP.
    Fix: ``BaseGenerator.module`` returns the generator itself; a DDP wrapper
    keeps its own ``module`` attribute, so wrapped runs are unchanged.

    Symptom 2: after a DFAD/ZSKT generator step every student parameter has a
    non-zero gradient, which the next student update adds to its own.
    Reason: ``DataFreeDistillation.train_generator`` back-propagates the
    generator loss through the student and only the generator's optimiser
    clears its gradients.
    Fix: the student's gradients are dropped when the generator step returns.

    Returns:
        list[str]: what was patched by this call.
    """
    from mmrazor.models.algorithms.distill.configurable.datafree_distillation \
        import DataFreeDistillation
    from mmrazor.models.architectures.generators.base_generator import \
        BaseGenerator
    patched: List[str] = []
    if not isinstance(BaseGenerator.__dict__.get('module'), property):

        def module(self):
            return self

        BaseGenerator.module = property(module, doc='The generator itself '
                                        '(a DDP wrapper has its own).')
        patched.append('BaseGenerator.module')

    original = DataFreeDistillation.train_generator
    if not getattr(original, '_cpsc_no_leak', False):

        def train_generator(self, data, optimizer):
            result = original(self, data, optimizer)
            for param in self.student.parameters():
                param.grad = None
            return result

        train_generator._cpsc_no_leak = True
        train_generator.__wrapped__ = original
        DataFreeDistillation.train_generator = train_generator
        patched.append('DataFreeDistillation.train_generator')
    return patched


def patch_mmrazor_quantization() -> List[str]:
    """Make MMRazor's fx quantization (PTQ / QAT) build correct models.

    Needs :func:`patch_torch_quantization_names` first (the import fix).

    Symptom 1: building ``MMArchitectureQuant`` (any ``NativeQuantizer``:
    OpenVINO, TensorRT, native; also ``AcademicQuantizer``) raises
    ``TypeError: _fuse_fx() got an unexpected keyword argument
    'graph_module'`` (mmrazor/models/quantizers/native_quantizer.py:238).
    Reason: torch 2.x renamed the first parameter of the private
    ``torch.ao.quantization.quantize_fx._fuse_fx`` from ``graph_module`` to
    ``model``; mmrazor passes it by keyword.
    Fix: the quantizer modules' ``_fuse_fx`` also accepts ``graph_module=``.

    Symptom 2 (silently wrong model): fusion pairs the wrong modules. In a
    classifier ``... Linear -> ReLU -> head.fc`` the ReLU and ``head.fc`` are
    fused into one ``LinearReLU`` (the logits go through a ReLU, the hidden
    ReLU disappears) while Conv-BN-ReLU is not fused at all; with several
    forward modes ``MMArchitectureQuant.sync_qparams`` then fails with
    ``KeyError: 'head.fc.weight_fake_quant.fake_quant_enabled'``.
    Reason: mmrazor 1.0.0 writes its fusion patterns for torch 1.13, where
    ``BackendPatternConfig((nn.ReLU, nn.Linear))`` meant "Linear, then ReLU"
    (reversed nested tuples). Since torch 2.0 that constructor takes the
    patterns in execution order ("ReLU, then Linear"); the reversed form must
    be given with ``_set_pattern_complex_format``. mmrazor's fuser methods
    (``reverse2``, ``reverse_sequential_wrapper2``...) expect the reversed form.
    Fix: in mmrazor's ``BackendConfigs`` (the objects its quantizers use),
    every tuple pattern is moved to the reversed ("complex") format it was
    written in. Configs rebuilt by calling mmrazor's
    ``get_*_backend_config()`` again are not fixed.

    Returns:
        list[str]: what was patched by this call.
    """
    import inspect

    from torch.ao.quantization.backend_config import BackendPatternConfig
    from torch.ao.quantization.quantize_fx import _fuse_fx as torch_fuse_fx

    from mmrazor.models.quantizers import academic_quantizer, native_quantizer
    from mmrazor.structures.quantization import BackendConfigs
    patched: List[str] = []

    if 'graph_module' not in inspect.signature(torch_fuse_fx).parameters:
        for module in (native_quantizer, academic_quantizer):
            original = module._fuse_fx
            if getattr(original, '_cpsc_graph_module_kw', False):
                continue

            def _fuse_fx(*args, __original=original, graph_module=None,
                         **kwargs):
                if graph_module is not None:
                    args = (graph_module, ) + args
                return __original(*args, **kwargs)

            _fuse_fx._cpsc_graph_module_kw = True
            _fuse_fx.__wrapped__ = original
            module._fuse_fx = _fuse_fx
            patched.append(f'{module.__name__}._fuse_fx')

    if hasattr(BackendPatternConfig, '_set_pattern_complex_format'):
        for name, backend_config in BackendConfigs.items():
            if backend_config is None or getattr(
                    backend_config, '_cpsc_complex_patterns', False):
                continue
            if fix_reversed_fusion_patterns(backend_config):
                patched.append(f'BackendConfigs[{name!r}]')
            backend_config._cpsc_complex_patterns = True
    return patched


def fix_reversed_fusion_patterns(backend_config) -> int:
    """Re-read a torch-1.13-style BackendConfig's tuple patterns as reversed.

    See :func:`patch_mmrazor_quantization`. Returns the number of patterns
    moved to the reversed nested tuple ("complex") format.
    """
    configs = backend_config.configs
    moved = 0
    for config in configs:
        if isinstance(config.pattern, tuple):
            pattern, config.pattern = config.pattern, None
            config._set_pattern_complex_format(pattern)
            moved += 1
    if moved:
        # The BackendConfig indexes its configs by pattern: rebuild the index.
        backend_config._pattern_complex_format_to_config.clear()
        backend_config.set_backend_pattern_configs(configs)
    return moved


def apply_all() -> None:
    """Apply every fix. Must run before ``mmrazor.models`` is imported."""
    if 'mmrazor.models' in sys.modules and not _mmrazor_models_ok():
        raise ImportError(
            'mmrazor.models was imported before mmrazor_cpsc and failed on this '
            'torch version. Import mmrazor_cpsc first (or add '
            "custom_imports=dict(imports=['mmrazor_cpsc']) to the config and "
            'use tools/train.py from this repository).')
    patch_torch_quantization_names()
    patch_history_buffer_pickling()
    patch_mmengine_checkpoint_loading()
    patch_mmengine_installed_path()
    patch_cpu_distributed()
    patch_mmrazor_data_free_distillation()
    patch_mmrazor_quantization()


def _mmrazor_models_ok() -> bool:
    try:
        from mmrazor.models import ConfigurableDistiller  # noqa: F401
    except ImportError:
        return False
    return True
