# MMRazor's DataFreeDistillation configured as DFAD (Fang et al., 2019:
# adversarial L1 between teacher and student logits) on the CPSC demo's MNIST
# pair and budget. MMRazor's classes and losses; only the generator is
# re-headed to 1 channel and sized like CPSC's (configs/baselines/README.md).
#   python tools/train.py configs/baselines/dfad_lenet5bn_lenet5half_mnist.py \
#       --cfg-options model.teacher_ckpt=TEACHER.pth
_base_ = ['../_base_/mmrazor_dfkd_lenet5bn_lenet5half_mnist.py']
logits = dict(type='ModuleOutputs', source='head.fc')
t_logits = dict(type='ModuleOutputs', source='lenet5.head.fc')
l1 = dict(s_feature=dict(from_student=True, recorder='fc'),
          t_feature=dict(from_student=False, recorder='lenet5_fc'))

model = dict(
    type='DataFreeDistillation',
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(fc=logits),
        teacher_recorders=dict(lenet5_fc=t_logits),
        distill_losses=dict(loss_l1=dict(type='L1Loss', loss_weight=1.0)),
        loss_forward_mappings=dict(loss_l1=l1)),
    generator_distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(fc=logits),
        teacher_recorders=dict(lenet5_fc=t_logits),
        distill_losses=dict(loss_l1=dict(type='L1Loss', loss_weight=-1.0)),
        loss_forward_mappings=dict(loss_l1=l1)),
    student_iter=5,
    student_train_first=True)
