"""CPUAutocastOptimWrapper: bfloat16 forward, float32 parameters and update,
built from a config dict in any scope."""
import pytest
import torch
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope

from mmrazor_cpsc.engine import CPUAutocastOptimWrapper


@pytest.mark.parametrize('scope', ['mmpretrain', 'mmrazor'])
@pytest.mark.parametrize('enabled, dtype', [(True, torch.bfloat16),
                                            (False, torch.float32)])
def test_forward_in_bf16_update_in_fp32(scope, enabled, dtype):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.Flatten(),
                                torch.nn.Linear(4 * 6 * 6, 2))
    # Built as a config in that scope would build it (the scope is restored
    # afterwards: other tests rely on the default one).
    with DefaultScope.overwrite_default_scope(scope):
        wrapper = build_optim_wrapper(model, dict(
            type='CPUAutocastOptimWrapper', enabled=enabled,
            optimizer=dict(type='SGD', lr=0.1)))
    assert isinstance(wrapper, CPUAutocastOptimWrapper)
    before = [p.detach().clone() for p in model.parameters()]
    with wrapper.optim_context(model):
        out = model(torch.randn(2, 3, 8, 8))
    assert out.dtype == dtype
    wrapper.update_params(out.float().square().mean())
    for old, new in zip(before, model.parameters()):
        assert new.dtype == torch.float32 and not torch.equal(old, new)
    # Outside the context nothing is autocast.
    assert model(torch.randn(2, 3, 8, 8)).dtype == torch.float32


def test_auto_chooses_bf16_only_where_this_cpu_runs_it_faster(monkeypatch):
    from mmrazor_cpsc.engine.hooks import AutocastModulesHook
    from mmrazor_cpsc.utils import cpu_bf16
    # The real probe: a speed-up measured on this CPU, and the choice that
    # follows from it, the same for the wrapper and the generator's hook.
    speedup = cpu_bf16.bf16_autocast_speedup()
    assert 0.05 < speedup < 20
    model = torch.nn.Linear(2, 2)
    wrapper = build_optim_wrapper(model, dict(
        type='CPUAutocastOptimWrapper', enabled='auto',
        optimizer=dict(type='SGD', lr=0.1)))
    expected = speedup >= cpu_bf16.MIN_SPEEDUP
    assert wrapper.enabled is expected
    assert AutocastModulesHook(enabled='auto').enabled is expected
    # Both outcomes, as a faster and a slower CPU would measure them.
    for measured, chosen in ((1.8, True), (0.7, False), (1.05, False)):
        monkeypatch.setattr(cpu_bf16, 'bf16_autocast_speedup',
                            lambda measured=measured: measured)
        assert cpu_bf16.resolve_bf16('auto', 'test') is chosen
    assert cpu_bf16.resolve_bf16(False, 'test') is False
    with pytest.raises(ValueError, match="use True, False or 'auto'"):
        build_optim_wrapper(model, dict(
            type='CPUAutocastOptimWrapper', enabled='yes',
            optimizer=dict(type='SGD', lr=0.1)))
