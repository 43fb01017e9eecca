# Real MNIST resized to 32x32, as mmpretrain's lenet5_mnist does: a held-out
# slice of the training images for validation (model selection), the
# 10,000 test images for the report. Prepare it with
# `python tools/prepare_mnist.py`.
mnist_root = 'data/mnist'
mnist_mean, mnist_std = 33.46, 78.87
mnist_preprocessor = dict(
    type='mmpretrain.ClsDataPreprocessor', mean=[mnist_mean], std=[mnist_std],
    num_classes=10)
# Black and white after that normalisation: where a generator's output must
# lie for its images to be displayable (CPSCGenerator(output_bounds=...)).
mnist_pixel_bounds = ((0 - mnist_mean) / mnist_std,
                      (255 - mnist_mean) / mnist_std)
mnist_pipeline = [
    dict(type='mmpretrain.Resize', scale=32),
    dict(type='mmpretrain.PackInputs'),
]
# 500 training images per class (5,000) that no model trains on: the
# validation set, on which checkpoints and tuning trials are chosen. The
# teachers and real-data students train on the other 55,000
# (HeldOutSplit part='rest'); the test set is evaluated for reporting only.
mnist_held_out = dict(per_class=500, seed=0)
val_dataloader = dict(
    batch_size=500,
    num_workers=0,
    dataset=dict(
        type='mmpretrain.HeldOutSplit',
        part='held_out',
        **mnist_held_out,
        dataset=dict(
            type='mmpretrain.MNIST', data_root=mnist_root, split='train',
            test_mode=True, download=False, pipeline=mnist_pipeline)),
    sampler=dict(type='DefaultSampler', shuffle=False))
val_evaluator = dict(type='mmpretrain.Accuracy', topk=(1, ))
test_dataloader = dict(
    batch_size=500,
    num_workers=0,
    dataset=dict(
        type='mmpretrain.MNIST', data_root=mnist_root, split='test',
        test_mode=True, download=False, pipeline=mnist_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False))
test_evaluator = val_evaluator
