# What MMRazor's data-free baselines on the CPU-sized CIFAR-10 pair share with
# each other and with CPSC's config: teacher WRN-16-2 (from a local file;
# override with --cfg-options model.teacher_ckpt=PATH), student
# WRN-16-1, MMRazor's DAFL generator at the cost class of CPSC's (30 MMAC per
# image, 1.1 M parameters, 3 channels as upstream), and the budget, student
# optimiser and CPU settings of schedules/cifar10_data_free.py. Children set
# the algorithm type, the two distillers and, where upstream differs, the
# generator optimiser.
_base_ = [
    './cpsc_runtime.py', './datasets/cifar10.py', './models/wrn_cifar10.py',
    './schedules/cifar10_data_free.py'
]
model = dict(
    _scope_='mmrazor',
    data_preprocessor={{_base_.cifar10_cpu_preprocessor}},
    architecture={{_base_.wrn16_1_cifar10}},
    teachers=dict(
        wrn16_2=dict(build_cfg={{_base_.wrn16_2_cifar10}},
                     ckpt_path='work_dirs/wrn16_2_cifar10/epoch_30.pth')),
    generator=dict(type='DAFLGenerator', img_size=32, latent_dim=256,
                   hidden_channels=64))

optim_wrapper = dict(
    constructor='mmrazor.SeparateOptimWrapperConstructor',
    architecture={{_base_.student_optim_wrapper}},
    generator=dict(type='CPUAutocastOptimWrapper', enabled='auto',
                   optimizer=dict(type='AdamW', lr=1e-3)))
param_scheduler = dict(
    architecture={{_base_.student_warmup_cosine}},
    generator={{_base_.generator_cosine}})
default_hooks = dict(checkpoint=dict(interval=400))
custom_hooks = {{_base_.cpu_hooks}}
