import pytest
from mmrazor.registry import HOOKS

import mmrazor_cpsc  # noqa: F401


def test_hook_is_registered_and_checks_its_values_when_built():
    hook = HOOKS.build(dict(type='CPUMemoryReuseHook'))
    assert hook.settings['mmap_threshold'] == 32 * 1024 * 1024
    with pytest.raises(ValueError, match='mmap_threshold'):
        HOOKS.build(dict(type='CPUMemoryReuseHook',
                         mmap_threshold=64 * 1024 * 1024))
