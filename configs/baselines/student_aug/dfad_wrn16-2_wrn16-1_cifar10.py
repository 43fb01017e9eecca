# MMRazor's DFAD with the student augmentation lever of issue 32, for the
# fairness row of the ablation: ReplayDataFreeDistillation (MMRazor's
# DataFreeDistillation, no bank here) crops and flips the student steps'
# synthetic images with the same RandomCropFlip as
# configs/cpsc/variants/cpsc_wrn16-2_wrn16-1_cifar10_student-aug.py.
_base_ = ['../dfad_wrn16-2_wrn16-1_cifar10.py']
model = dict(
    type='ReplayDataFreeDistillation',
    student_augment=dict(type='RandomCropFlip', padding=4))
