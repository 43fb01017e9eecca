# Data-free knowledge distillation with MMRazor's own SingleTeacherDistill and
# KL loss, trained only on images from a trained CPSC generator
# (GeneratorDataset), evaluated on the real MNIST test set.
#   python tools/train.py configs/composition/kd_generator_data_lenet5bn_lenet5half_mnist.py \
#       --cfg-options train_dataloader.dataset.checkpoint=CPSC_CKPT \
#                     model.teacher_ckpt=TEACHER_CKPT
_base_ = [
    '../_base_/datasets/mnist_generator_data.py',
    '../_base_/models/lenet5_bn.py', '../_base_/default_runtime.py'
]
default_scope = 'mmrazor'
custom_imports = dict(imports=['mmrazor_cpsc'], allow_failed_imports=False)


model = dict(
    _scope_='mmrazor',
    type='SingleTeacherDistill',
    data_preprocessor={{_base_.mnist_preprocessor}},
    architecture={{_base_.lenet5_half}},
    teacher={{_base_.lenet5_bn}},
    teacher_ckpt='work_dirs/demo/teacher/epoch_4.pth',
    # The generator's labels are intended classes, not ground truth: learn
    # from the teacher's soft labels only.
    calculate_student_loss=False,
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(fc=dict(type='ModuleOutputs', source='head.fc')),
        teacher_recorders=dict(fc=dict(type='ModuleOutputs', source='head.fc')),
        distill_losses=dict(
            loss_kl=dict(type='KLDivergence', tau=4, loss_weight=1.0)),
        loss_forward_mappings=dict(
            loss_kl=dict(
                preds_S=dict(from_student=True, recorder='fc'),
                preds_T=dict(from_student=False, recorder='fc')))))

train_dataloader = dict(
    batch_size=256,
    num_workers=0,
    dataset=_base_.generator_dataset,
    sampler=dict(type='DefaultSampler', shuffle=True))

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=5e-4))
param_scheduler = dict(type='CosineAnnealingLR', by_epoch=True, eta_min=1e-4)
train_cfg = dict(by_epoch=True, max_epochs=5, val_interval=1)
val_cfg = dict()
test_cfg = dict()
