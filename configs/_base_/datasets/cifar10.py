# CIFAR-10 for every config of this project: real training images for the
# teachers and the real-data students, a held-out slice of them for model
# selection, the real test set for reporting. Data-free training reads none
# of it; its validation (checkpoint selection, tuning) uses the held-out
# slice, and the test set is evaluated for reporting only.
#
# `data_root` holds the python version of CIFAR-10,
#   data/cifar10/cifar-10-batches-py/{data_batch_1..5,test_batch,batches.meta}
# `python tools/prepare_cifar10.py` builds it from the offline copy
# (../shared/datasets/cifar10-jpeg.tar.gz); `LocalCIFAR10` reads it with
# mmpretrain's CIFAR10 code, without the md5 check of the official archive,
# so the original download works too. Nothing is fetched at run time.
cifar10_root = 'data/cifar10'
# The teacher must be normalised as it was trained; the generators emit
# images directly in this normalised space, so it matters for validation.
# mmpretrain's CIFAR-10 statistics (cifar10_bs16.py): the GPU configs, whose
# teachers come from mmpretrain's own recipe.
cifar10_preprocessor = dict(
    type='mmpretrain.ClsDataPreprocessor',
    mean=[125.307, 122.961, 113.8575],
    std=[51.5865, 50.847, 51.255],
    to_rgb=False,  # (Local)CIFAR10 already yields RGB
    num_classes=10)
# The CPU suite (WRN-16-2 -> WRN-16-1), whose teacher configs/teachers/
# wrn16_2_cifar10.py trains with these: mean/std of the decoded training
# images of the offline JPEG copy, RGB, 0-255 (printed by
# tools/prepare_cifar10.py, in cifar-10-batches-py/stats.json).
cifar10_cpu_preprocessor = dict(
    cifar10_preprocessor,
    mean=[125.269, 122.933, 113.863],
    std=[62.534, 61.909, 66.46])
cifar10_train_pipeline = [
    dict(type='mmpretrain.RandomCrop', crop_size=32, padding=4),
    dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='mmpretrain.PackInputs'),
]
cifar10_test_pipeline = [dict(type='mmpretrain.PackInputs')]
# 500 training images per class (5,000) that no model trains on.
cifar10_held_out = dict(per_class=500, seed=0)
val_dataloader = dict(
    batch_size=500,
    num_workers=0,
    dataset=dict(
        type='mmpretrain.HeldOutSplit',
        part='held_out',
        **cifar10_held_out,
        dataset=dict(type='mmpretrain.LocalCIFAR10', data_root=cifar10_root,
                     split='train', pipeline=cifar10_test_pipeline)),
    sampler=dict(type='DefaultSampler', shuffle=False))
val_evaluator = dict(type='mmpretrain.Accuracy', topk=(1, ))
test_dataloader = dict(
    batch_size=500,
    num_workers=0,
    dataset=dict(type='mmpretrain.LocalCIFAR10', data_root=cifar10_root,
                 split='test', pipeline=cifar10_test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False))
test_evaluator = val_evaluator
