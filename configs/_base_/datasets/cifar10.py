# The real CIFAR-10 test set (10,000 images, 32x32 RGB) for validation and
# testing; data-free training never reads CIFAR. mmpretrain's CIFAR10 reads the
# python version of the dataset from `data_root`:
#   data/cifar10/cifar-10-batches-py/{data_batch_1..5,test_batch,batches.meta}
# (the extracted https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz).
# download=False: nothing is fetched at run time; put the files there first.
cifar10_root = 'data/cifar10'
# Usual CIFAR-10 RGB statistics (mmpretrain's cifar10_bs16.py); the teacher
# must have been trained with the same normalisation. The generator emits
# images directly in this normalised space, so this only affects validation.
cifar10_preprocessor = dict(
    type='mmpretrain.ClsDataPreprocessor',
    mean=[125.307, 122.961, 113.8575],
    std=[51.5865, 50.847, 51.255],
    to_rgb=False,  # mmpretrain's CIFAR10 already yields RGB
    num_classes=10)
cifar10_test_pipeline = [dict(type='mmpretrain.PackInputs')]
val_dataloader = dict(
    batch_size=500,
    num_workers=2,
    dataset=dict(
        type='mmpretrain.CIFAR10', data_root=cifar10_root, split='test',
        download=False, pipeline=cifar10_test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False))
val_evaluator = dict(type='mmpretrain.Accuracy', topk=(1, ))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
