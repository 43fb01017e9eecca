# MMRazor's DAFLDataFreeDistillation (Chen et al., ICCV 2019) on the CPSC demo's
# MNIST pair and budget: LeNet-5-BN teacher -> LeNet-5-half student, batch 256,
# 1,000 iterations, student SGD + cosine. MMRazor's classes and losses with
# the DAFL paper's MNIST weights (its code's MNIST defaults: one-hot 1,
# information entropy 5, activation 0.1, KD at temperature 1); the optimisers
# are the suite's, shared with every method; the generator is re-headed to 1
# channel and sized like CPSC's (configs/baselines/README.md lists every
# change from upstream).
#   python tools/train.py configs/baselines/dafl_lenet5bn_lenet5half_mnist.py \
#       --cfg-options model.teacher_ckpt=TEACHER.pth
_base_ = ['../_base_/mmrazor_dfkd_lenet5bn_lenet5half_mnist.py']
t_logits = dict(from_student=False, recorder='lenet5_fc')

model = dict(
    type='DAFLDataFreeDistillation',
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            fc=dict(type='ModuleOutputs', source='head.fc')),
        teacher_recorders=dict(
            lenet5_fc=dict(type='ModuleOutputs', source='lenet5.head.fc')),
        distill_losses=dict(
            loss_kl=dict(type='KLDivergence', tau=1, loss_weight=1)),
        loss_forward_mappings=dict(
            loss_kl=dict(preds_S=dict(from_student=True, recorder='fc'),
                         preds_T=t_logits))),
    # DAFL's generator objective: one-hot, information entropy and
    # activation losses on the teacher, with the DAFL paper's MNIST weights
    # (MMRazor publishes its CIFAR-10 ones: 0.05, 5, 0.01).
    generator_distiller=dict(
        type='ConfigurableDistiller',
        teacher_recorders=dict(
            lenet5_feat=dict(type='ModuleOutputs',
                             source='lenet5.backbone.fc'),
            lenet5_fc=dict(type='ModuleOutputs', source='lenet5.head.fc')),
        distill_losses=dict(
            loss_oh=dict(type='OnehotLikeLoss', loss_weight=1.0),
            loss_ie=dict(type='InformationEntropyLoss', loss_weight=5.0),
            loss_ac=dict(type='ActivationLoss', loss_weight=0.1)),
        loss_forward_mappings=dict(
            loss_oh=dict(preds_T=t_logits),
            loss_ie=dict(preds_T=t_logits),
            loss_ac=dict(feat_T=dict(from_student=False,
                                     recorder='lenet5_feat')))))
