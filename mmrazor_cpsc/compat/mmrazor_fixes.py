"""Fixes for MMRazor 1.0.0 (its last release) on torch 2.x.

Each fix names the upstream symptom, the reason and the smallest fix; each
is applied by :func:`mmrazor_cpsc.compat.apply_all` only on the versions
known to need it (:data:`mmrazor_cpsc.compat.GATES`), before anything
imports ``mmrazor.models``; ``tests/compat/test_mmrazor_fixes.py`` shows
the symptom with the fix undone.
"""
from __future__ import annotations

from typing import Callable, List

__all__ = [
    'patch_torch_quantization_names', 'patch_mmrazor_data_free_distillation',
    'patch_mmrazor_quantization', 'fix_reversed_fusion_patterns'
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
