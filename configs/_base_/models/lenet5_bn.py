# LeNet-5 with BN (teacher) and LeNet-5-half (student) for 32x32 MNIST.
lenet5_bn = dict(
    _scope_='mmpretrain',
    type='ImageClassifier',
    backbone=dict(type='LeNet5BN', channels=(6, 16, 120), fc_channels=84),
    neck=None,
    head=dict(
        type='LinearClsHead', num_classes=10, in_channels=84,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))
lenet5_half = dict(
    _scope_='mmpretrain',
    type='ImageClassifier',
    backbone=dict(type='LeNet5BN', channels=(3, 8, 60), fc_channels=42),
    neck=None,
    head=dict(
        type='LinearClsHead', num_classes=10, in_channels=42,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))
