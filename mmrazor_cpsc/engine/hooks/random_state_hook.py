"""Save and restore every rank's random-number state with the checkpoints."""
from __future__ import annotations

import random
from typing import Dict, List, Optional

import numpy as np
import torch
from mmengine.dist import all_gather_object, get_rank, get_world_size
from mmengine.hooks import CheckpointHook, Hook
from mmrazor.registry import HOOKS


def capture_random_state() -> Dict:
    """Python, numpy, torch (and CUDA) generator states of this process."""
    state = dict(python=random.getstate(), numpy=np.random.get_state(),
                 torch=torch.get_rng_state())
    if torch.cuda.is_available():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def restore_random_state(state: Dict) -> None:
    """Inverse of :func:`capture_random_state`."""
    random.setstate(_as_tuple(state['python']))
    np.random.set_state(_as_tuple(state['numpy']))
    torch.set_rng_state(state['torch'])
    if 'cuda' in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state['cuda'])


def _as_tuple(value):
    # Nested lists come back where tuples went in after some round trips.
    if isinstance(value, list):
        return tuple(_as_tuple(v) for v in value)
    return value


@HOOKS.register_module()
class RandomStateHook(Hook):
    """Makes ``--resume`` continue the random streams, not restart them.

    Data-free distillation draws all its training data (noise z, labels y)
    from the random generators, and mmengine's resume only re-seeds them with
    the run's initial seed, so a resumed run would replay the first
    iterations' noise. This hook stores each rank's generator states in every
    checkpoint the ``CheckpointHook`` writes and restores this rank's state
    when training resumes, so a resumed run draws exactly what an
    uninterrupted one would have.

    Checkpoints are written by rank 0 only, so the states of all ranks are
    gathered in ``after_train_iter`` of the iterations at which the
    checkpoint hook will save (this hook runs before it: priority
    ``'ABOVE_NORMAL'``).
    """
    priority = 'ABOVE_NORMAL'

    def __init__(self) -> None:
        self._gathered: Optional[List[Dict]] = None
        self._pending: Optional[List[Dict]] = None

    def _checkpoint_hook(self, runner) -> Optional[CheckpointHook]:
        for hook in runner.hooks:
            if isinstance(hook, CheckpointHook):
                return hook
        return None

    def _will_save(self, runner, batch_idx: int) -> bool:
        hook = self._checkpoint_hook(runner)
        if hook is None or hook.by_epoch:
            return False
        return (self.every_n_train_iters(runner, hook.interval)
                or (hook.save_last and self.is_last_train_iter(runner)))

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        if self._will_save(runner, batch_idx):
            # Collective: every rank calls it at the same iterations.
            self._gathered = all_gather_object(capture_random_state())

    def after_train_epoch(self, runner) -> None:
        hook = self._checkpoint_hook(runner)
        if hook is not None and hook.by_epoch:
            self._gathered = all_gather_object(capture_random_state())

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        states = self._gathered or [capture_random_state()]
        checkpoint['random_states'] = states

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        # Applied in before_train: mmengine may still re-seed after loading.
        self._pending = checkpoint.get('random_states')

    def before_train(self, runner) -> None:
        if not self._pending:
            return
        states, self._pending = self._pending, None
        if len(states) != get_world_size():
            runner.logger.warning(
                f'RandomStateHook: the checkpoint holds random states of '
                f'{len(states)} processes but {get_world_size()} are running;'
                ' random streams restart from the seed instead.')
            return
        restore_random_state(states[get_rank()])
