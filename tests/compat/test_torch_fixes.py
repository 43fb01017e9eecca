"""The torch work-arounds: each upstream symptom, and the fix."""
import subprocess
import sys

import pytest


_TEARDOWN_SCRIPT = """
import os, sys, torch
from mmrazor_cpsc.compat import exit_distributed_cleanly
torch.distributed.init_process_group('gloo', init_method='tcp://127.0.0.1:'
                                     + sys.argv[1], rank=0, world_size=1)
with exit_distributed_cleanly():
    print('trained', flush=False)
    if sys.argv[2] == 'raise':
        raise RuntimeError('broken run')
print('after the block: static destruction not skipped')
"""


@pytest.mark.parametrize('outcome', ['finish', 'raise'])
def test_distributed_exit_is_clean_and_keeps_failures(tmp_path, outcome):
    """A finished run leaves through os._exit after destroying the group
    (nothing runs after the block, buffered output is kept); a raising run
    still fails with its traceback."""
    script = tmp_path / 'rank.py'
    script.write_text(_TEARDOWN_SCRIPT)
    port = '29561' if outcome == 'finish' else '29562'
    result = subprocess.run([sys.executable, str(script), port, outcome],
                            capture_output=True, text=True, timeout=120)
    assert 'trained' in result.stdout
    if outcome == 'finish':
        assert result.returncode == 0, result.stderr
        assert 'after the block' not in result.stdout
    else:
        assert result.returncode == 1
        assert 'RuntimeError: broken run' in result.stderr

