# Trains the MNIST teacher (LeNet-5 with BN) on the real training set less
# the 5,000 held-out validation images.
# python tools/train.py configs/teachers/lenet5_bn_mnist.py
_base_ = [
    '../_base_/datasets/mnist_test.py', '../_base_/models/lenet5_bn.py',
    '../_base_/default_runtime.py'
]

default_scope = 'mmpretrain'
custom_imports = dict(imports=['mmrazor_cpsc'], allow_failed_imports=False)

model = dict(
    # Named for configs that inherit this one by package scope
    # (`mmrazor_cpsc::teachers/...`), which mmengine tags with our scope.
    _scope_='mmpretrain',
    type='ImageClassifier',
    data_preprocessor={{_base_.mnist_preprocessor}},
    backbone={{_base_.lenet5_bn.backbone}},
    neck=None,
    head={{_base_.lenet5_bn.head}})

train_dataloader = dict(
    batch_size=128,
    num_workers=0,
    # Every training image but the held-out validation slice.
    dataset=dict(
        type='mmpretrain.HeldOutSplit',
        part='rest',
        per_class={{_base_.mnist_held_out.per_class}},
        seed={{_base_.mnist_held_out.seed}},
        dataset=dict(
            type='mmpretrain.MNIST', data_root={{_base_.mnist_root}},
            split='train', test_mode=False, download=False,
            pipeline={{_base_.mnist_pipeline}})),
    sampler=dict(type='DefaultSampler', shuffle=True))

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=5e-4))
param_scheduler = dict(type='CosineAnnealingLR', by_epoch=True, T_max=4)
train_cfg = dict(by_epoch=True, max_epochs=4, val_interval=1)
val_cfg = dict()
test_cfg = dict()
# Records the normalisation in every checkpoint, so a distillation config
# that normalises differently is refused (TrainingDataMetaHook).
custom_hooks = [dict(type='mmrazor.TrainingDataMetaHook')]
