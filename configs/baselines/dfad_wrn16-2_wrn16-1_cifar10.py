# MMRazor's DataFreeDistillation configured as DFAD (Fang et al., 2019:
# adversarial L1 between teacher and student logits) on the CPU-sized CIFAR-10
# pair and budget, with MMRazor's published settings (student_iter 5, student
# first; configs/baselines/dfad_resnet34_resnet18_cifar10.py). The generator
# is sized like CPSC's (configs/baselines/README.md).
#   python tools/train.py configs/baselines/dfad_wrn16-2_wrn16-1_cifar10.py \
#       --cfg-options model.teacher_ckpt=TEACHER.pth
_base_ = ['../_base_/mmrazor_dfkd_wrn16-2_wrn16-1_cifar10.py']
logits = dict(type='ModuleOutputs', source='head.fc')
t_logits = dict(type='ModuleOutputs', source='wrn16_2.head.fc')
l1 = dict(s_feature=dict(from_student=True, recorder='fc'),
          t_feature=dict(from_student=False, recorder='wrn16_2_fc'))

model = dict(
    type='DataFreeDistillation',
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(fc=logits),
        teacher_recorders=dict(wrn16_2_fc=t_logits),
        distill_losses=dict(loss_l1=dict(type='L1Loss', loss_weight=1.0)),
        loss_forward_mappings=dict(loss_l1=l1)),
    generator_distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(fc=logits),
        teacher_recorders=dict(wrn16_2_fc=t_logits),
        distill_losses=dict(loss_l1=dict(type='L1Loss', loss_weight=-1.0)),
        loss_forward_mappings=dict(loss_l1=l1)),
    student_iter=5,
    student_train_first=True)
