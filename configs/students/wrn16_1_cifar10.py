# WRN-16-1 as an ordinary mmpretrain classifier: evaluates an exported
# data-free student (tools/test.py this config STUDENT.pth) and, trained on the
# real images with the teacher's recipe, gives the with-data upper bound.
_base_ = ['../teachers/wrn16_2_cifar10.py']

model = dict(
    backbone={{_base_.wrn16_1_cifar10.backbone}},
    head={{_base_.wrn16_1_cifar10.head}})
