# A trained CPSC generator as an MNIST-shaped dataset (GeneratorDataset):
# class-balanced synthetic images with the labels they were generated for,
# reproducible by seed, plus the real MNIST test set for evaluation.
_base_ = ['./mnist_test.py', '../models/cpsc_mnist_generator.py']

# A checkpoint of configs/cpsc/cpsc_lenet5bn_lenet5half_mnist.py (`make demo`
# writes this one); override with --cfg-options.
cpsc_checkpoint = 'work_dirs/demo/cpsc/iter_1000.pth'
generator_dataset = dict(
    type='GeneratorDataset',
    generator={{_base_.mnist_generator}},
    checkpoint=cpsc_checkpoint,
    length=60000,
    # Images are stored as pixels with the model's normalisation undone.
    mean={{_base_.mnist_preprocessor.mean}},
    std={{_base_.mnist_preprocessor.std}},
    seed=0,
    pipeline=[dict(type='mmpretrain.PackInputs')])
