# The CPU-sized CIFAR-10 pair: MMRazor's own WideResNet backbones (the WRN
# family of the DFKD papers) as mmpretrain classifiers for 10 classes.
# WRN-16-2: 0.69 M parameters; WRN-16-1: 0.17 M; feature widths 128 / 64.
_wrn_head = dict(type='LinearClsHead', num_classes=10,
                 loss=dict(type='CrossEntropyLoss', loss_weight=1.0))
wrn16_2_cifar10 = dict(
    _scope_='mmpretrain',
    type='ImageClassifier',
    backbone=dict(type='mmrazor.WideResNet', depth=16, widen_factor=2),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(**_wrn_head, in_channels=128))
wrn16_1_cifar10 = dict(
    _scope_='mmpretrain',
    type='ImageClassifier',
    backbone=dict(type='mmrazor.WideResNet', depth=16, widen_factor=1),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(**_wrn_head, in_channels=64))
