# MMRazor's own DataFreeDistillation, configured as DFAD (adversarial L1 on
# logits), driven by CPSC's class-conditional generator. MMRazor calls its
# generator as G(z) with no labels; LabelSamplingGenerator draws them.
_base_ = [
    '../_base_/cpsc_runtime.py', '../_base_/datasets/mnist_test.py',
    '../_base_/models/lenet5_bn.py', '../_base_/models/cpsc_mnist_generator.py'
]
logits = dict(type='ModuleOutputs', source='head.fc')
t_logits = dict(type='ModuleOutputs', source='lenet5.head.fc')
l1 = dict(s_feature=dict(from_student=True, recorder='fc'),
          t_feature=dict(from_student=False, recorder='fc'))

model = dict(
    _scope_='mmrazor',
    type='DataFreeDistillation',
    data_preprocessor={{_base_.mnist_preprocessor}},
    architecture={{_base_.lenet5_half}},
    # Override with --cfg-options model.teachers.lenet5.ckpt_path=PATH
    teachers=dict(
        lenet5=dict(build_cfg={{_base_.lenet5_bn}},
                    ckpt_path='work_dirs/demo/teacher/epoch_4.pth')),
    generator=dict(type='LabelSamplingGenerator',
                   generator={{_base_.mnist_generator}}),
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(fc=logits),
        teacher_recorders=dict(fc=t_logits),
        distill_losses=dict(loss_l1=dict(type='L1Loss', loss_weight=1.0)),
        loss_forward_mappings=dict(loss_l1=l1)),
    generator_distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(fc=logits),
        teacher_recorders=dict(fc=t_logits),
        distill_losses=dict(loss_l1=dict(type='L1Loss', loss_weight=-1.0)),
        loss_forward_mappings=dict(loss_l1=l1)),
    student_iter=5,
    student_train_first=False)

optim_wrapper = dict(
    constructor='mmrazor.SeparateOptimWrapperConstructor',
    architecture=dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9,
                                     weight_decay=5e-4)),
    generator=dict(optimizer=dict(type='Adam', lr=1e-3, betas=(0.5, 0.999))))
param_scheduler = dict(architecture=[], generator=[])
train_dataloader = dict(
    batch_size=256, num_workers=0,
    dataset=dict(type='DataFreeDataset', num_classes=10, length=10**6),
    sampler=dict(type='InfiniteSampler', shuffle=False))
train_cfg = dict(type='IterBasedTrainLoop', max_iters=1000, val_interval=200)
