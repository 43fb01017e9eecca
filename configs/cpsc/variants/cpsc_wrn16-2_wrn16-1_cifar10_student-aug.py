# A lever of issue 32 (quality per CPU minute), measured against the shipped
# config ../cpsc_wrn16-2_wrn16-1_cifar10.py: every student step crops and
# flips its synthetic images (RandomCropFlip, the real-data CIFAR-10
# augmentation: 4 pixels of padding, mirror with probability 1/2) before
# teacher and student see them. The same component is given to DFAD in
# configs/baselines/student_aug/ (ReplayDataFreeDistillation).
# Measured: it lost and is not shipped (docs/results/README.md, "Levers for
# quality per CPU minute").
_base_ = ['../cpsc_wrn16-2_wrn16-1_cifar10.py']
model = dict(student_augment=dict(type='RandomCropFlip', padding=4))
