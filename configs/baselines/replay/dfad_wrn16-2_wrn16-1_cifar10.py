# MMRazor's DFAD on the CPU-sized CIFAR-10 pair exactly as
# configs/baselines/dfad_wrn16-2_wrn16-1_cifar10.py, plus the synthetic
# replay bank CPSC's replay variant has
# (configs/cpsc/variants/cpsc_wrn16-2_wrn16-1_cifar10_replay.py): the same
# SyntheticReplayBank through ReplayDataFreeDistillation, MMRazor's
# DataFreeDistillation whose student steps draw three quarters of each batch
# from the bank. A lever not specific to CPSC is measured on the baselines
# too (issue 32, "Fairness").
_base_ = ['../dfad_wrn16-2_wrn16-1_cifar10.py']
model = dict(
    type='ReplayDataFreeDistillation',
    replay_bank=dict(type='SyntheticReplayBank', capacity=16384,
                     fresh_fraction=0.25, sampling='uniform'))
