# The real CIFAR-100 test set (10,000 images, 32x32 RGB, 100 fine classes) for
# validation and testing; data-free training never reads CIFAR. mmpretrain's
# CIFAR100 reads the python version of the dataset from `data_root`:
#   data/cifar100/cifar-100-python/{train,test,meta}
# (the extracted https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz).
# download=False: nothing is fetched at run time; put the files there first.
cifar100_root = 'data/cifar100'
# Usual CIFAR-100 RGB statistics (mmpretrain's cifar100_bs16.py); the teacher
# must have been trained with the same normalisation. The generator emits
# images directly in this normalised space, so this only affects validation.
cifar100_preprocessor = dict(
    type='mmpretrain.ClsDataPreprocessor',
    mean=[129.304, 124.070, 112.434],
    std=[68.170, 65.392, 70.418],
    to_rgb=False,  # mmpretrain's CIFAR100 already yields RGB
    num_classes=100)
cifar100_test_pipeline = [dict(type='mmpretrain.PackInputs')]
val_dataloader = dict(
    batch_size=500,
    num_workers=2,
    dataset=dict(
        type='mmpretrain.CIFAR100', data_root=cifar100_root, split='test',
        download=False, pipeline=cifar100_test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False))
val_evaluator = dict(type='mmpretrain.Accuracy', topk=(1, 5))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
