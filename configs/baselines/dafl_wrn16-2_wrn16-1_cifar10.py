# MMRazor's DAFLDataFreeDistillation (Chen et al., ICCV 2019) on the CPU-sized
# CIFAR-10 pair and budget: WRN-16-2 teacher -> WRN-16-1 student, batch 256,
# student SGD + cosine. MMRazor's classes, losses and published loss weights
# (configs/baselines/dafl_resnet34_resnet18_cifar10.py); the generator is
# sized like CPSC's (configs/baselines/README.md).
#   python tools/train.py configs/baselines/dafl_wrn16-2_wrn16-1_cifar10.py \
#       --cfg-options model.teacher_ckpt=TEACHER.pth
_base_ = ['../_base_/mmrazor_dfkd_wrn16-2_wrn16-1_cifar10.py']
t_logits = dict(from_student=False, recorder='wrn16_2_fc')

model = dict(
    type='DAFLDataFreeDistillation',
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            fc=dict(type='ModuleOutputs', source='head.fc')),
        teacher_recorders=dict(
            wrn16_2_fc=dict(type='ModuleOutputs', source='wrn16_2.head.fc')),
        distill_losses=dict(
            loss_kl=dict(type='KLDivergence', tau=6, loss_weight=1)),
        loss_forward_mappings=dict(
            loss_kl=dict(preds_S=dict(from_student=True, recorder='fc'),
                         preds_T=t_logits))),
    # DAFL's generator objective: one-hot, information entropy and
    # activation losses on the teacher, with MMRazor's published weights.
    generator_distiller=dict(
        type='ConfigurableDistiller',
        teacher_recorders=dict(
            wrn16_2_gap=dict(type='ModuleOutputs',
                             source='wrn16_2.neck.gap'),
            wrn16_2_fc=dict(type='ModuleOutputs', source='wrn16_2.head.fc')),
        distill_losses=dict(
            loss_oh=dict(type='OnehotLikeLoss', loss_weight=0.05),
            loss_ie=dict(type='InformationEntropyLoss', loss_weight=5),
            loss_ac=dict(type='ActivationLoss', loss_weight=0.01)),
        loss_forward_mappings=dict(
            loss_oh=dict(preds_T=t_logits),
            loss_ie=dict(preds_T=t_logits),
            loss_ac=dict(feat_T=dict(from_student=False,
                                     recorder='wrn16_2_gap')))))
