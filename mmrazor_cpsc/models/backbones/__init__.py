from .lenet5_bn import LeNet5BN
from .wide_resnet_cifar import WideResNet_CIFAR

__all__ = ['LeNet5BN', 'WideResNet_CIFAR']
