"""Two gloo processes with B images each compute the one-process method on 2B.

One full ``train_step`` (a generator update, then two student updates) of the
MNIST pair (LeNet-5-BN -> LeNet-5-half) and the CIFAR-10 WRN pair
(WRN-16-2 -> WRN-16-1), tiny generators: the losses (averaged over the ranks,
as DDP averages their gradients) and every trained parameter and BN buffer
after the step equal those of one process stepping on the global batch.
With any one of the cross-rank switches off, they do not: each gather is
needed.
"""
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
from conftest import REPO

WORKER = osp.join(osp.dirname(osp.abspath(__file__)),
                  'rank_invariance_worker.py')
# Float64 models; the remaining float32 parts (the contrast's and the logit
# distance's casts) differ by ~5e-7 between the layouts. A removed gather
# changes the results by 1e-3 or more.
TOL = 1e-5
PAIRS = ('mnist', 'wrn')
SWITCHES = ('scl', 'bn_loss', 'ikd', 'labels', 'batchnorm')


@pytest.fixture(scope='module')
def results(tmp_path_factory):
    prefix = os.fspath(tmp_path_factory.mktemp('rank_invariance') / 'rank')
    env = dict(os.environ, OMP_NUM_THREADS='1')
    result = subprocess.run(
        [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node=2',
         '--master_port=29561', WORKER, ','.join(PAIRS), prefix],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-4000:]
    return [torch.load(f'{prefix}{rank}.pth', weights_only=False)
            for rank in (0, 1)]


def loss_gap(reference, ranks) -> float:
    """Largest difference of a logged value (mean over ranks) to the
    one-process value."""
    return max(abs(sum(r['log_vars'][key] for r in ranks) / len(ranks) -
                   value) for key, value in reference['log_vars'].items())


def state_gap(reference, state, prefix: str = '') -> float:
    return max((state[key] - value).abs().max().item()
               for key, value in reference['state'].items()
               if key.startswith(prefix) and value.is_floating_point())


@pytest.mark.parametrize('pair', PAIRS)
def test_two_ranks_compute_the_one_process_step(results, pair):
    reference = results[0][pair, 'reference']
    # Both ranks computed the same reference on their own.
    assert state_gap(reference, results[1][pair, 'reference']['state']) == 0
    ranks = [r[pair, 'gathered'] for r in results]
    assert set(ranks[0]['log_vars']) == set(reference['log_vars'])
    assert loss_gap(reference, ranks) < TOL
    # The BN-statistics loss is the global batch's on every rank.
    assert ranks[0]['log_vars']['gen.loss_bn'] == pytest.approx(
        ranks[1]['log_vars']['gen.loss_bn'], abs=TOL)
    for rank in ranks:
        assert state_gap(reference, rank['state']) < TOL
    # Buffers included: the student's and the generator's running
    # statistics are those of the global batch.
    assert any('running_mean' in k for k in reference['state'])
    # The step moved the weights by far more than the tolerance.
    initial_gap = state_gap(reference, results[0][pair, 'batchnorm_off'][
        'state'])
    assert initial_gap > 100 * TOL


@pytest.mark.parametrize('pair', PAIRS)
@pytest.mark.parametrize('switch', SWITCHES)
def test_each_gather_is_needed(results, pair, switch):
    reference = results[0][pair, 'reference']
    ranks = [r[pair, f'{switch}_off'] for r in results]
    assert loss_gap(reference, ranks) > 100 * TOL
    # The generator's update itself differs, not only what follows from it
    # (one Adam step of lr ~3e-4 moves a weight by at most ~7e-4).
    assert state_gap(reference, ranks[0]['state'], 'generator.') > 10 * TOL
