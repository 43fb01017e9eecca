# MMRazor's DataFreeDistillation configured as ZSKT (Micaelli & Storkey, 2019:
# adversarial KL plus attention transfer) on the CPSC demo's MNIST pair and
# budget. MMRazor's classes and losses; the attention maps come from the two
# spatial stages of LeNet-5 (after conv1: 28x28, after conv2: 10x10), and the
# generator is re-headed to 1 channel and sized like CPSC's
# (configs/baselines/README.md).
#   python tools/train.py configs/baselines/zskt_lenet5bn_lenet5half_mnist.py \
#       --cfg-options model.teacher_ckpt=TEACHER.pth
_base_ = ['../_base_/mmrazor_dfkd_lenet5bn_lenet5half_mnist.py']
fc_pair = dict(preds_S=dict(from_student=True, recorder='fc'),
               preds_T=dict(from_student=False, recorder='lenet5_fc'))
model = dict(
    type='DataFreeDistillation',
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            s1=dict(type='ModuleOutputs', source='backbone.features.2'),
            s2=dict(type='ModuleOutputs', source='backbone.features.6'),
            fc=dict(type='ModuleOutputs', source='head.fc')),
        teacher_recorders=dict(
            lenet5_s1=dict(type='ModuleOutputs',
                           source='lenet5.backbone.features.2'),
            lenet5_s2=dict(type='ModuleOutputs',
                           source='lenet5.backbone.features.6'),
            lenet5_fc=dict(type='ModuleOutputs', source='lenet5.head.fc')),
        distill_losses=dict(
            loss_s1=dict(type='ATLoss', loss_weight=250.0),
            loss_s2=dict(type='ATLoss', loss_weight=250.0),
            loss_kl=dict(type='KLDivergence', loss_weight=2.0,
                         reduction='mean')),
        loss_forward_mappings=dict(
            loss_s1=dict(
                s_feature=dict(from_student=True, recorder='s1'),
                t_feature=dict(from_student=False, recorder='lenet5_s1')),
            loss_s2=dict(
                s_feature=dict(from_student=True, recorder='s2'),
                t_feature=dict(from_student=False, recorder='lenet5_s2')),
            loss_kl=fc_pair)),
    generator_distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            fc=dict(type='ModuleOutputs', source='head.fc')),
        teacher_recorders=dict(
            lenet5_fc=dict(type='ModuleOutputs', source='lenet5.head.fc')),
        distill_losses=dict(
            loss_kl=dict(type='KLDivergence', loss_weight=-2.0,
                         reduction='mean', teacher_detach=False)),
        loss_forward_mappings=dict(loss_kl=fc_pair)),
    student_iter=10)

# Upstream ZSKT trains its generator with Adam (DAFL and DFAD: AdamW).
optim_wrapper = dict(generator=dict(optimizer=dict(type='Adam', lr=1e-3)))
