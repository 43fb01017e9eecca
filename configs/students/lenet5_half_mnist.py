# LeNet-5-half as an ordinary mmpretrain classifier: evaluates an exported
# CPSC student (tools/test.py this config STUDENT.pth) and, trained on the real
# data with tools/train.py, gives the student's with-data reference.
_base_ = ['../teachers/lenet5_bn_mnist.py']

model = dict(
    backbone=dict(channels=(3, 8, 60), fc_channels=42),
    head=dict(in_channels=42))
