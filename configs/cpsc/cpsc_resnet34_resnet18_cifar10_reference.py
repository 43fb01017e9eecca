# CPSC-DFKD, ResNet-34 -> ResNet-18 on CIFAR-10: the authors' recipe as
# their code runs it, beside our default (the same name without
# _reference).
# What differs (configs/cpsc/README.md, "Reference variants"):
# - logit distance L_IKD: the log form on both sides, as their CIFAR-10
#   code (the same as our default);
# - no projection head: student and teacher features have one width;
# - cross-entropy on softmax outputs (their double softmax);
# - a fresh Adam for every generator step (moments reset, as their code).
# Left out: forced mixed precision and the twice-stepped student LR
# scheduler (defects with nothing to learn from reproducing them).
#   python tools/train.py \
#       configs/cpsc/cpsc_resnet34_resnet18_cifar10_reference.py
_base_ = [
    './cpsc_resnet34_resnet18_cifar10.py',
    '../_base_/cpsc_reference_switches.py'
]

model = {{_base_.reference_log_mse_equal_widths}}

# Nothing trains in the generator distiller without a projection head.
optim_wrapper = dict(
    _delete_=True,
    constructor='mmrazor.SeparateOptimWrapperConstructor',
    architecture={{_base_.optim_wrapper.architecture}},
    generator={{_base_.optim_wrapper.generator}})
param_scheduler = dict(
    _delete_=True,
    architecture={{_base_.param_scheduler.architecture}},
    generator={{_base_.param_scheduler.generator}})
