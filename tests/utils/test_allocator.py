import subprocess
import sys
import textwrap

import pytest

from mmrazor_cpsc.utils.allocator import (MAX_MMAP_THRESHOLD,
                                          keep_freed_memory)

# In a fresh process: allocate a 24 MiB tensor and report how many bytes
# glibc handed out as separate mmaps (mallinfo2().hblkhd) while it lived.
PROBE = textwrap.dedent('''
    import ctypes, sys
    import torch

    class MallInfo2(ctypes.Structure):
        _fields_ = [(n, ctypes.c_size_t) for n in (
            'arena', 'ordblks', 'smblks', 'hblks', 'hblkhd', 'usmblks',
            'fsmblks', 'uordblks', 'fordblks', 'keepcost')]

    libc = ctypes.CDLL('libc.so.6')
    libc.mallinfo2.restype = MallInfo2
    if sys.argv[1] == 'tuned':
        from mmrazor_cpsc.utils.allocator import keep_freed_memory
        keep_freed_memory()
    before = libc.mallinfo2().hblkhd
    block = torch.empty(6 * 1024 * 1024)  # 24 MiB of float32
    block.fill_(1.0)
    print(libc.mallinfo2().hblkhd - before)
''')


def _mmapped_bytes(mode: str) -> int:
    out = subprocess.run([sys.executable, '-c', PROBE, mode], check=True,
                         capture_output=True, text=True).stdout
    return int(out.strip().splitlines()[-1])


@pytest.mark.skipif(not keep_freed_memory(), reason='needs glibc')
def test_large_blocks_come_from_the_reused_heap():
    # glibc's default: a fresh 24 MiB block is its own mmap, freed back to
    # the kernel and page-faulted in again on the next step.
    assert _mmapped_bytes('default') >= 24 * 1024 * 1024
    assert _mmapped_bytes('tuned') == 0


@pytest.mark.parametrize('kwargs, match', [
    (dict(mmap_threshold=MAX_MMAP_THRESHOLD + 1), 'mmap_threshold'),
    (dict(mmap_threshold=0), 'mmap_threshold'),
    (dict(top_pad=-1), 'top_pad'),
])
def test_values_glibc_would_ignore_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        keep_freed_memory(**kwargs)
