"""CompileModulesHook: the named networks run compiled with the same outputs,
their inner forward hooks (MMRazor's recorders) still fire, their state_dict
keys are unchanged, and a wrong name is refused with the children listed.
By default it finds the networks of our algorithm and of MMRazor's
data-free ones (whose teachers sit in a ModuleDict)."""
from types import SimpleNamespace

import pytest
import torch
from conftest import tiny_mmrazor_dfad
from mmpretrain.registry import MODELS as PRETRAIN_MODELS
from mmrazor.registry import HOOKS

EAGER = dict(backend='eager')


def algorithm_like():
    model = torch.nn.Module()
    model.architecture = PRETRAIN_MODELS.build(dict(
        _scope_='mmpretrain', type='ImageClassifier',
        backbone=dict(type='mmrazor.WideResNet', depth=10, widen_factor=1),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=10, in_channels=64)))
    model.other = torch.nn.Linear(2, 2)
    return model


def test_compiled_module_keeps_outputs_hooks_and_keys():
    torch.manual_seed(0)
    model = algorithm_like()
    student = model.architecture.eval()
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        before = student(x, mode='tensor')
    keys = list(model.state_dict())
    # As MMRazor's recorders: hooked into an inner module before compiling.
    recorded = []
    student.neck.register_forward_hook(
        lambda module, inputs, output: recorded.append(output))
    # 'eager' runs the captured graphs without code generation: it checks
    # what the hook does to the modules, not the speed of inductor's kernels.
    HOOKS.build(dict(type='CompileModulesHook', modules=['architecture'],
                     compile_cfg=EAGER)).before_run(
        SimpleNamespace(model=model))
    assert student._compiled_call_impl is not None
    assert model.other._compiled_call_impl is None
    with torch.no_grad():
        after = student(x, mode='tensor')
    torch.testing.assert_close(after, before)
    # the neck returns a tuple of pooled features, as mmpretrain necks do
    assert len(recorded) == 1 and recorded[0][-1].shape == (2, 64)
    assert list(model.state_dict()) == keys


def test_unknown_module_is_named():
    with pytest.raises(ValueError,
                       match="no sub-module 'student'.*architecture, other"):
        HOOKS.build(dict(type='CompileModulesHook',
                         modules=['student'])).before_run(
            SimpleNamespace(model=algorithm_like()))


def compiled(module):
    return module._compiled_call_impl is not None


def test_default_compiles_mmrazor_data_free_networks():
    """MMRazor's DataFreeDistillation keeps its teacher in ``teachers`` (a
    ModuleDict, never called itself): the default compiles the teacher in
    it, the student and the generator, and leaves the distillers alone."""
    model, _, _ = tiny_mmrazor_dfad()
    HOOKS.build(dict(type='CompileModulesHook',
                     compile_cfg=EAGER)).before_run(
        SimpleNamespace(model=model))
    assert compiled(model.teachers['t'])
    assert not compiled(model.teachers)
    assert compiled(model.architecture) and compiled(model.generator)
    assert not compiled(model.distiller)
    # the compiled teacher still feeds MMRazor's recorders
    recorders = model.distiller.teacher_recorders
    with recorders, torch.no_grad():
        model.teachers['t'](torch.randn(2, 3, 32, 32), mode='tensor')
        logits = recorders.get_recorder('fc').get_record_data()
    assert logits.shape == (2, 10)


def test_default_on_a_model_without_networks_is_an_error():
    model = torch.nn.Module()
    model.layer = torch.nn.Linear(2, 2)
    with pytest.raises(ValueError, match=r'none of the networks teacher, '
                       r'teachers, architecture, generator.*modules=\[...\]'
                       r'.*its children: layer'):
        HOOKS.build(dict(type='CompileModulesHook')).before_run(
            SimpleNamespace(model=model))
