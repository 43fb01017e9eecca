"""Work-arounds for PyTorch itself (not for a library built on it)."""
from __future__ import annotations

import contextlib
import logging
import os
import sys
from typing import Iterator

import torch

__all__ = ['exit_distributed_cleanly']


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
