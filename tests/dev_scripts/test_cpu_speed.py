""".dev_scripts/cpu_speed.py switches exactly the CPU speed settings it names."""
import os

import pytest
from conftest import load_script
from mmengine.config import Config



cpu_speed = load_script('.dev_scripts', 'cpu_speed')

CONFIG = 'configs/cpsc/cpsc_wrn16-2_wrn16-1_cifar10.py'


@pytest.mark.parametrize('name', list(cpu_speed.VARIANTS))
def test_variant_switches_only_its_settings(name, tmp_path):
    switches = cpu_speed.VARIANTS[name]
    path = cpu_speed.variant_config(CONFIG, {}, 'teacher.pth', 5, 32,
                                    os.fspath(tmp_path), **switches)
    cfg = Config.fromfile(path)
    for part in ('architecture', 'generator', 'generator_distiller'):
        assert cfg.optim_wrapper[part].type == 'CPUAutocastOptimWrapper'
        assert cfg.optim_wrapper[part].enabled is switches['bf16']
    hooks = [h['type'] for h in cfg.custom_hooks]
    assert ('ChannelsLastHook' in hooks) is switches['channels_last']
    assert ('CompileModulesHook' in hooks) is (
        switches['compile_mode'] == 'modules')
    assert cfg.get('compile', False) is (
        switches['compile_mode'] == 'train_step')
    autocast = [h for h in cfg.custom_hooks
                if h['type'] == 'AutocastModulesHook']
    assert len(autocast) == 1 and autocast[0].enabled is switches['bf16']
    # Nothing else differs from the benchmark's settings.
    assert cfg.train_cfg.max_iters == 5 and cfg.train_dataloader.batch_size == 32
    assert 'CPUMemoryReuseHook' in hooks


def test_config_without_autocast_is_refused(tmp_path):
    with pytest.raises(SystemExit, match='no CPUAutocastOptimWrapper'):
        cpu_speed.variant_config(
            'configs/cpsc/cpsc_lenet5bn_lenet5half_mnist.py', {}, 't.pth', 5,
            32, os.fspath(tmp_path), bf16=True, channels_last=True)


def test_bad_arguments_are_refused(capsys):
    with pytest.raises(SystemExit):
        cpu_speed.main([CONFIG, '--teacher-ckpt', 'missing.pth', '--iters',
                        '3', '--warmup', '3'])
    assert '--iters must exceed --warmup' in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cpu_speed.main([CONFIG, '--teacher-ckpt', 'x', '--variants', 'jit'])
    assert "invalid choice: 'jit'" in capsys.readouterr().err
