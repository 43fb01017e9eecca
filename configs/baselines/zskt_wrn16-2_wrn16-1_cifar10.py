# MMRazor's DataFreeDistillation configured as ZSKT (Micaelli & Storkey, 2019:
# adversarial KL plus attention transfer) on the CPU-sized CIFAR-10 pair and
# budget, with MMRazor's published weights (AT 250 per stage, KL 2,
# student_iter 10; configs/baselines/zskt_resnet34_resnet18_cifar10.py).
# Attention maps come from the output of each of the three WRN groups, as in
# the ZSKT paper; the generator is sized like CPSC's and trained by Adam as
# upstream (configs/baselines/README.md).
#   python tools/train.py configs/baselines/zskt_wrn16-2_wrn16-1_cifar10.py \
#       --cfg-options model.teacher_ckpt=TEACHER.pth
_base_ = ['../_base_/mmrazor_dfkd_wrn16-2_wrn16-1_cifar10.py']
fc_pair = dict(preds_S=dict(from_student=True, recorder='fc'),
               preds_T=dict(from_student=False, recorder='wrn16_2_fc'))


def _group(index):
    return dict(
        s_feature=dict(from_student=True, recorder=f'g{index}'),
        t_feature=dict(from_student=False, recorder=f'wrn16_2_g{index}'))


model = dict(
    type='DataFreeDistillation',
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            g1=dict(type='ModuleOutputs', source='backbone.layer1'),
            g2=dict(type='ModuleOutputs', source='backbone.layer2'),
            g3=dict(type='ModuleOutputs', source='backbone.layer3'),
            fc=dict(type='ModuleOutputs', source='head.fc')),
        teacher_recorders=dict(
            wrn16_2_g1=dict(type='ModuleOutputs',
                            source='wrn16_2.backbone.layer1'),
            wrn16_2_g2=dict(type='ModuleOutputs',
                            source='wrn16_2.backbone.layer2'),
            wrn16_2_g3=dict(type='ModuleOutputs',
                            source='wrn16_2.backbone.layer3'),
            wrn16_2_fc=dict(type='ModuleOutputs', source='wrn16_2.head.fc')),
        distill_losses=dict(
            loss_g1=dict(type='ATLoss', loss_weight=250.0),
            loss_g2=dict(type='ATLoss', loss_weight=250.0),
            loss_g3=dict(type='ATLoss', loss_weight=250.0),
            loss_kl=dict(type='KLDivergence', loss_weight=2.0,
                         reduction='mean')),
        loss_forward_mappings=dict(
            loss_g1=_group(1), loss_g2=_group(2), loss_g3=_group(3),
            loss_kl=fc_pair)),
    generator_distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            fc=dict(type='ModuleOutputs', source='head.fc')),
        teacher_recorders=dict(
            wrn16_2_fc=dict(type='ModuleOutputs', source='wrn16_2.head.fc')),
        distill_losses=dict(
            loss_kl=dict(type='KLDivergence', loss_weight=-2.0,
                         reduction='mean', teacher_detach=False)),
        loss_forward_mappings=dict(loss_kl=fc_pair)),
    student_iter=10)

optim_wrapper = dict(
    generator=dict(type='CPUAutocastOptimWrapper', enabled='auto',
                   optimizer=dict(type='Adam', lr=1e-3)))
