# What MMRazor's data-free baselines on MNIST share with each other and with
# the CPSC demo: teacher LeNet-5-BN (from a local file; override with
# --cfg-options model.teacher_ckpt=PATH), student LeNet-5-half,
# MMRazor's DAFL generator at CPSC's cost class, and the budget and student
# optimiser of schedules/mnist_data_free.py. Children set the algorithm type,
# the two distillers and, where upstream differs, the generator optimiser.
_base_ = [
    './cpsc_runtime.py', './datasets/mnist_test.py', './models/lenet5_bn.py',
    './models/mmrazor_mnist_generator.py', './schedules/mnist_data_free.py'
]
model = dict(
    _scope_='mmrazor',
    data_preprocessor={{_base_.mnist_preprocessor}},
    architecture={{_base_.lenet5_half}},
    teachers=dict(
        lenet5=dict(build_cfg={{_base_.lenet5_bn}},
                    ckpt_path='work_dirs/demo/teacher/epoch_4.pth')),
    generator={{_base_.mmrazor_mnist_generator}})

optim_wrapper = dict(
    constructor='mmrazor.SeparateOptimWrapperConstructor',
    architecture=dict(optimizer={{_base_.student_optimizer}}),
    generator=dict(optimizer=dict(type='AdamW', lr=1e-3)))
param_scheduler = dict(
    architecture={{_base_.student_cosine}},
    generator={{_base_.generator_cosine}})
# The same CPU memory setting as the CPSC MNIST config (a speed setting; the
# benchmark compares methods, not allocators).
custom_hooks = [
    dict(type='RandomStateHook'), dict(type='CPUMemoryReuseHook'),
    # The teacher's validation top-1 before the first iteration.
    dict(type='TeacherAccuracyHook')
]
