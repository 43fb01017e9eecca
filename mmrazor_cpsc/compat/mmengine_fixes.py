"""Fixes for mmengine 0.10.x on torch 2.x.

Each fix names the upstream symptom, the reason and the smallest fix; each
is applied by :func:`mmrazor_cpsc.compat.apply_all` only on the versions
known to need it (:data:`mmrazor_cpsc.compat.GATES`), and
``tests/compat/test_mmengine_fixes.py`` shows the symptom with the fix
undone. None of them switches PyTorch's safe (weights-only) checkpoint
loading off for the process: teacher checkpoints may come from strangers.
"""
from __future__ import annotations

import contextlib
from typing import Iterator, List

import torch

__all__ = [
    'mmengine_checkpoint_globals', 'safe_mmengine_checkpoint_loading',
    'patch_mmengine_checkpoint_loading', 'patch_history_buffer_pickling',
    'register_package_scope',
    'patch_cpu_distributed'
]


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


def register_package_scope(package: str = 'mmrazor_cpsc',
                           distribution: str = 'mmrazor-cpsc') -> bool:
    """Let mmengine resolve ``mmrazor_cpsc::`` config paths.

    Symptom: a user config with ``_base_ =
    ['mmrazor_cpsc::cpsc/cpsc_lenet5bn_lenet5half_mnist.py']`` fails with
    "mmengine does not support to load mmrazor_cpsc config".
    Reason: mmengine 0.10.x resolves ``pkg::path`` only for the packages in
    its hard-coded ``MODULE2PACKAGE`` table.
    Fix: add this package to the table (as mmengine does for its own
    OpenMMLab packages); its installed ``.mim/configs`` then serve the paths.

    Returns:
        bool: True when the entry was added by this call.
    """
    from mmengine.config import utils as config_utils
    if package in config_utils.MODULE2PACKAGE:
        return False
    config_utils.MODULE2PACKAGE[package] = distribution
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
