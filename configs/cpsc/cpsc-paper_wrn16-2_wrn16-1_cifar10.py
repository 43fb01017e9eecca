# CPSC-DFKD as the paper describes it, on CIFAR-10 sized for 2 CPU cores:
# WRN-16-2 teacher -> WRN-16-1 student (MMRazor's WideResNet backbones), no
# training images. Our default for this pair,
# cpsc_wrn16-2_wrn16-1_cifar10.py, adds an intra-class diversity term to it
# (measured: research/cifar10_cpu_log.md, "The first pilot"). Validated on
# 5,000 held-out training images (model selection), tested on the real
# CIFAR-10 test set (reporting only). Loss weights are the paper's (alpha 5,
# beta 1, gamma 0.7, eta 0.7, tau 0.07) with the logit distance in its bounded
# log form, as in the CIFAR-10 recipe of the reference code; the generator is
# CPSC's at half the paper's width (30 MMAC per image, the cost class of the
# baselines' generators). See configs/cpsc/README.md.
#   python tools/train.py configs/teachers/wrn16_2_cifar10.py
#   python tools/train.py configs/cpsc/cpsc-paper_wrn16-2_wrn16-1_cifar10.py \
#       --cfg-options model.teacher_ckpt=work_dirs/wrn16_2_cifar10/epoch_30.pth
_base_ = [
    '../_base_/cpsc_runtime.py', '../_base_/datasets/cifar10.py',
    '../_base_/models/wrn_cifar10.py',
    '../_base_/models/cpsc_classifier_pair.py',
    '../_base_/schedules/cifar10_data_free.py'
]

model = dict(
    data_preprocessor={{_base_.cifar10_cpu_preprocessor}},
    architecture={{_base_.wrn16_1_cifar10}},
    teacher={{_base_.wrn16_2_cifar10}},
    teacher_ckpt='work_dirs/wrn16_2_cifar10/epoch_30.pth',
    generator=dict(type='CPSCGenerator', img_size=32, latent_dim=256,
                   hidden_channels=32, out_channels=3, num_classes=10),
    generator_steps=1,
    student_steps=5,
    generator_distiller=dict(
        connectors=dict(proj=dict(in_channels=64, out_channels=128))))

optim_wrapper = dict(
    architecture={{_base_.student_optim_wrapper}},
    generator=dict(type='CPUAutocastOptimWrapper', enabled='auto'),
    generator_distiller=dict(type='CPUAutocastOptimWrapper',
                             enabled='auto'))
# The projection head trains with the generator's loss: it anneals with it.
param_scheduler = dict(
    architecture={{_base_.student_warmup_cosine}},
    generator={{_base_.generator_cosine}},
    generator_distiller={{_base_.generator_cosine}})
default_hooks = dict(checkpoint=dict(interval=400))
custom_hooks = {{_base_.cpu_hooks}}
