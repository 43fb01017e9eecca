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
# Mean/std of the decoded training images of the offline copy, RGB on a
# 0-255 scale (printed by tools/prepare_cifar10.py, written to
# cifar-10-batches-py/stats.json). Teachers are trained with these; the
# generators emit images directly in this normalised space.
cifar10_preprocessor = dict(
    type='mmpretrain.ClsDataPreprocessor',
    mean=[125.269, 122.933, 113.863],
    std=[62.534, 61.909, 66.46],
    to_rgb=False,  # LocalCIFAR10 already yields RGB
    num_classes=10)
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
        per_class=500,
        seed=0,
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
