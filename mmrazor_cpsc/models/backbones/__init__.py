from .lenet5_bn import LeNet5BN

__all__ = ['LeNet5BN']
