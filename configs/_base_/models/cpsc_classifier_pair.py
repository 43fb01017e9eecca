# CPSC-DFKD for a pair of mmpretrain classifiers with `LinearClsHead`s
# (logits = output of `head.fc`, penultimate feature = its input).
# Children set architecture, teacher, teacher_ckpt, generator and the
# projection head widths. Loss weights in the paper's notation:
#   L_G = -KL(t||s) - alpha*L_IKD + beta*L_BN + gamma*L_SCL + eta*CE(t, y)
#   L_S =  KL(t||s) + alpha*L_IKD + eta*CE(s, y)
# Override any of them, e.g.
#   --cfg-options model.generator_distiller.distill_losses.loss_scl.loss_weight=0.5
logits = dict(type='ModuleOutputs', source='head.fc')
feats = dict(type='ModuleInputs', source='head.fc')
s_logits = dict(from_student=True, recorder='logits')
t_logits = dict(from_student=False, recorder='logits')

model = dict(
    _scope_='mmrazor',
    type='CPSCDataFreeDistillation',
    generator_steps=1,
    student_steps=5,
    label_sampling='balanced',
    generator_distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(logits=logits, feats=feats),
        teacher_recorders=dict(
            logits=logits, feats=feats, labels=dict(type='GtLabels'),
            bn=dict(type='BNStatistics')),
        # Maps the student's feature to the teacher's width (set both).
        connectors=dict(
            proj=dict(type='ProjectionHead', in_channels=512,
                      out_channels=512)),
        distill_losses=dict(
            loss_adv_kl=dict(type='KLDivergence', tau=1.0, loss_weight=-1.0,
                             teacher_detach=False),
            loss_adv_ikd=dict(type='LogitDistanceLoss', mode='log_mse',
                              loss_weight=-5.0),  # -alpha
            loss_bn=dict(type='BNStatisticsLoss', loss_weight=1.0),  # beta
            loss_scl=dict(type='PseudoSupervisedContrastLoss',
                          temperature=0.07, loss_weight=0.7),  # gamma
            loss_ce=dict(type='ConditionalCrossEntropyLoss',
                         loss_weight=0.7)),  # eta
        loss_forward_mappings=dict(
            loss_adv_kl=dict(preds_S=s_logits, preds_T=t_logits),
            loss_adv_ikd=dict(preds_S=s_logits, preds_T=t_logits),
            loss_bn=dict(bn_stats=dict(from_student=False, recorder='bn')),
            loss_scl=dict(
                student_feats=dict(from_student=True, recorder='feats',
                                   data_idx=0, connector='proj'),
                teacher_feats=dict(from_student=False, recorder='feats',
                                   data_idx=0),
                labels=dict(from_student=False, recorder='labels')),
            loss_ce=dict(logits=t_logits,
                         labels=dict(from_student=False, recorder='labels')))),
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(logits=logits, labels=dict(type='GtLabels')),
        teacher_recorders=dict(logits=logits),
        distill_losses=dict(
            loss_kl=dict(type='KLDivergence', tau=1.0, loss_weight=1.0),
            loss_ikd=dict(type='LogitDistanceLoss', mode='log_mse',
                          loss_weight=5.0, teacher_detach=True),  # alpha
            loss_ce=dict(type='ConditionalCrossEntropyLoss',
                         loss_weight=0.7)),  # eta
        loss_forward_mappings=dict(
            loss_kl=dict(preds_S=s_logits, preds_T=t_logits),
            loss_ikd=dict(preds_S=s_logits, preds_T=t_logits),
            loss_ce=dict(logits=s_logits,
                         labels=dict(from_student=True, recorder='labels')))))

# Student, generator and projection head each get their own optimiser.
optim_wrapper = dict(
    constructor='mmrazor.SeparateOptimWrapperConstructor',
    architecture=dict(
        optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4)),
    generator=dict(optimizer=dict(type='Adam', lr=1e-3, betas=(0.5, 0.999))),
    generator_distiller=dict(
        optimizer=dict(type='Adam', lr=1e-3, betas=(0.5, 0.999))))
# One entry per optimiser (mmengine requires all keys); [] keeps the LR fixed.
param_scheduler = dict(architecture=[], generator=[], generator_distiller=[])
