# CPSC's losses in ordinary, data-based distillation: MMRazor's
# SingleTeacherDistill on the real MNIST training set with KL plus the
# pseudo-supervised contrast between teacher and student features, fed by the
# GtLabels recorder (here the labels are the dataset's ground truth).
# BNStatisticsLoss appears as `bn_shift`, a logged statistic (no "loss" in its
# name, so MMRazor does not back-propagate it): how far each batch's
# statistics are from the teacher's training statistics.
_base_ = ['../teachers/lenet5_bn_mnist.py']  # MNIST data + LeNet configs
default_scope = 'mmrazor'

fc = dict(type='ModuleOutputs', source='head.fc')
feats = dict(type='ModuleInputs', source='head.fc')
model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='SingleTeacherDistill',
    data_preprocessor={{_base_.mnist_preprocessor}},
    architecture={{_base_.lenet5_half}},
    teacher={{_base_.lenet5_bn}},
    teacher_ckpt='work_dirs/demo/teacher/epoch_4.pth',
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(fc=fc, feats=feats,
                               labels=dict(type='GtLabels')),
        teacher_recorders=dict(fc=fc, feats=feats,
                               bn=dict(type='BNStatistics')),
        connectors=dict(proj=dict(type='ProjectionHead', in_channels=42,
                                  out_channels=84)),
        distill_losses=dict(
            loss_kl=dict(type='KLDivergence', tau=4, loss_weight=1.0),
            loss_scl=dict(type='PseudoSupervisedContrastLoss',
                          temperature=0.1, loss_weight=0.2),
            bn_shift=dict(type='BNStatisticsLoss')),
        loss_forward_mappings=dict(
            loss_kl=dict(preds_S=dict(from_student=True, recorder='fc'),
                         preds_T=dict(from_student=False, recorder='fc')),
            loss_scl=dict(
                student_feats=dict(from_student=True, recorder='feats',
                                   data_idx=0, connector='proj'),
                teacher_feats=dict(from_student=False, recorder='feats',
                                   data_idx=0),
                labels=dict(from_student=True, recorder='labels')),
            bn_shift=dict(bn_stats=dict(from_student=False, recorder='bn')))))
train_cfg = dict(by_epoch=True, max_epochs=2, val_interval=1)
