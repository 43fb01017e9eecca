# A lever of issue 32 (quality per CPU minute), measured against the shipped
# config ../cpsc_wrn16-2_wrn16-1_cifar10.py: the student steps replay a
# memory of past synthetic images (SyntheticReplayBank). Three quarters of
# each student batch come from the bank with the teacher's stored logits, so
# they cost no generator and no teacher forward; the quarter made fresh is
# seen by the teacher and stored. 16384 images in float16 are 100 MB of RAM
# and of every checkpoint. The same bank is given to DFAD through
# configs/baselines/replay/ (ReplayDataFreeDistillation).
_base_ = ['../cpsc_wrn16-2_wrn16-1_cifar10.py']
model = dict(
    replay_bank=dict(type='SyntheticReplayBank', capacity=16384,
                     fresh_fraction=0.25, sampling='uniform'))
