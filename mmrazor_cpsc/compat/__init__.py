"""Compatibility fixes for the upstream stack, one module per library.

MMRazor 1.0.0 (its last release) does not import on torch 2.x, and
mmengine 0.10.x needs help to resume its own checkpoints under torch's safe
loading and to run DDP on CPUs. Each fix lives in the module of the library
it repairs (:mod:`.mmrazor_fixes`, :mod:`.mmengine_fixes`,
:mod:`.torch_fixes`), names the upstream symptom, the reason and the
smallest fix, and has a test under ``tests/compat/`` that shows the symptom
with the fix undone.

:func:`apply_all` runs when ``mmrazor_cpsc`` is imported, before anything
imports ``mmrazor.models``. It applies a fix only on the library versions in
:data:`GATES`: on a release that no longer has the bug, nothing is patched.
"""
from __future__ import annotations

import sys
from typing import Callable, Dict, List, Optional, Tuple

from .mmengine_fixes import (mmengine_checkpoint_globals,
                             patch_cpu_distributed,
                             patch_history_buffer_pickling,
                             patch_mmengine_checkpoint_loading,
                             register_package_scope,
                             safe_mmengine_checkpoint_loading)
from .mmrazor_fixes import (fix_reversed_fusion_patterns,
                            patch_mmrazor_data_free_distillation,
                            patch_mmrazor_quantization,
                            patch_torch_quantization_names)
from .torch_fixes import exit_distributed_cleanly

__all__ = [
    'GATES', 'apply_all', 'applied_fixes', 'needs_fix',
    'mmengine_checkpoint_globals', 'safe_mmengine_checkpoint_loading',
    'patch_mmengine_checkpoint_loading', 'patch_history_buffer_pickling',
    'register_package_scope',
    'patch_cpu_distributed', 'patch_torch_quantization_names',
    'patch_mmrazor_data_free_distillation', 'patch_mmrazor_quantization',
    'fix_reversed_fusion_patterns', 'exit_distributed_cleanly'
]

# For each fix, the library versions that have the bug: (package, lowest
# affected, last affected or None when no fixed release exists yet). The
# last affected versions are the newest releases checked here (mmrazor
# 1.0.0 is its last release; mmengine 0.10.7 its newest); a newer release
# runs unpatched, and the tests of the fix say whether it still needs one.
GATES: Dict[str, Tuple[Tuple[str, str, Optional[str]], ...]] = {
    # mmrazor imports private torch.ao names that torch 2.0 renamed.
    'patch_torch_quantization_names': (('torch', '2.0.0', None),
                                       ('mmrazor', '1.0.0', '1.0.0')),
    # torch 2.6 made weights-only loading the default.
    'patch_history_buffer_pickling': (('torch', '2.6.0', None),
                                      ('mmengine', '0.10.0', '0.10.7')),
    'patch_mmengine_checkpoint_loading': (('torch', '2.6.0', None),
                                          ('mmengine', '0.10.0', '0.10.7')),
    'register_package_scope': (('mmengine', '0.10.0', '0.10.7'), ),
    'patch_cpu_distributed': (('mmengine', '0.10.0', '0.10.7'), ),
    'patch_mmrazor_data_free_distillation': (('mmrazor', '1.0.0',
                                              '1.0.0'), ),
    'patch_mmrazor_quantization': (('torch', '2.0.0', None),
                                   ('mmrazor', '1.0.0', '1.0.0')),
}

_FIXES: Dict[str, Callable] = {
    'patch_torch_quantization_names': patch_torch_quantization_names,
    'patch_history_buffer_pickling': patch_history_buffer_pickling,
    'patch_mmengine_checkpoint_loading': patch_mmengine_checkpoint_loading,
    'register_package_scope': register_package_scope,
    'patch_cpu_distributed': patch_cpu_distributed,
    'patch_mmrazor_data_free_distillation':
    patch_mmrazor_data_free_distillation,
    'patch_mmrazor_quantization': patch_mmrazor_quantization,
}

_applied: List[str] = []


def _installed_version(package: str) -> str:
    """The installed version of PACKAGE, read without importing it (so
    reading mmrazor's version does not import its broken modules)."""
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version(package)
    except PackageNotFoundError:
        return '0'


def needs_fix(name: str) -> bool:
    """Whether the installed libraries are in every range of GATES[NAME]."""
    from mmengine.utils import digit_version
    for package, lowest, last in GATES[name]:
        installed = digit_version(_installed_version(package).split('+')[0])
        if installed < digit_version(lowest):
            return False
        if last is not None and installed > digit_version(last):
            return False
    return True


def applied_fixes() -> List[str]:
    """The fixes :func:`apply_all` applied in this process."""
    return list(_applied)


def apply_all() -> List[str]:
    """Apply every fix the installed versions need; return their names.

    Must run before ``mmrazor.models`` is imported: MMRazor's quantization
    config imports the renamed torch names at module level.

    Raises:
        ImportError: ``mmrazor.models`` was imported earlier and failed.
    """
    if 'mmrazor.models' in sys.modules and not _mmrazor_models_ok():
        raise ImportError(
            'mmrazor.models was imported before mmrazor_cpsc and failed on '
            'this torch version. Import mmrazor_cpsc first (or add '
            "custom_imports=dict(imports=['mmrazor_cpsc']) to the config and "
            "use this package's tools/train.py).")
    for name, fix in _FIXES.items():
        if name not in _applied and needs_fix(name):
            fix()
            _applied.append(name)
    return applied_fixes()


def _mmrazor_models_ok() -> bool:
    try:
        from mmrazor.models import ConfigurableDistiller  # noqa: F401
    except ImportError:
        return False
    return True
