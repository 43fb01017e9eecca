# MMRazor's published DAFL config (dafl_logits_resnet34_resnet18_8xb256_cifar10;
# MMRazor reports 93.27 top-1) for this stack: same algorithm, generator,
# losses, optimisers, schedule and batch; mmpretrain scope, a local teacher
# file and no CIFAR training set (see configs/baselines/README.md).
#   tools/dist_train.sh configs/baselines/dafl_resnet34_resnet18_cifar10.py 8 \
#       --cfg-options model.teacher_ckpt=checkpoints/res34.pth
_base_ = ['../_base_/mmrazor_dfkd_resnet34_resnet18_cifar10.py']
batch_size = 256  # per GPU; upstream: 8 GPUs x 256
max_iters = 250 * 120

model = dict(
    type='DAFLDataFreeDistillation',
    generator=dict(type='DAFLGenerator', img_size=32, latent_dim=1000,
                   hidden_channels=128),
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            fc=dict(type='ModuleOutputs', source='head.fc')),
        teacher_recorders=dict(
            res34_fc=dict(type='ModuleOutputs', source='res34.head.fc')),
        distill_losses=dict(
            loss_kl=dict(type='KLDivergence', tau=6, loss_weight=1)),
        loss_forward_mappings=dict(
            loss_kl=dict(
                preds_S=dict(from_student=True, recorder='fc'),
                preds_T=dict(from_student=False, recorder='res34_fc')))),
    generator_distiller=dict(
        type='ConfigurableDistiller',
        teacher_recorders=dict(
            res34_neck_gap=dict(type='ModuleOutputs',
                                source='res34.neck.gap'),
            res34_fc=dict(type='ModuleOutputs', source='res34.head.fc')),
        distill_losses=dict(
            loss_res34_oh=dict(type='OnehotLikeLoss', loss_weight=0.05),
            loss_res34_ie=dict(type='InformationEntropyLoss', loss_weight=5),
            loss_res34_ac=dict(type='ActivationLoss', loss_weight=0.01)),
        loss_forward_mappings=dict(
            loss_res34_oh=dict(
                preds_T=dict(from_student=False, recorder='res34_fc')),
            loss_res34_ie=dict(
                preds_T=dict(from_student=False, recorder='res34_fc')),
            loss_res34_ac=dict(
                feat_T=dict(from_student=False, recorder='res34_neck_gap')))))

optim_wrapper = dict(
    constructor='mmrazor.SeparateOptimWrapperConstructor',
    architecture=dict(optimizer=dict(type='AdamW', lr=1e-1)),
    generator=dict(optimizer=dict(type='AdamW', lr=1e-3)))
auto_scale_lr = dict(base_batch_size=256)
param_scheduler = dict(
    architecture=[
        dict(type='LinearLR', end=500, by_epoch=False, start_factor=0.0001),
        dict(type='MultiStepLR', begin=500, milestones=[100 * 120, 200 * 120],
             by_epoch=False)
    ],
    generator=[
        dict(type='LinearLR', end=500, by_epoch=False, start_factor=0.0001)
    ])

train_dataloader = dict(batch_size=batch_size)
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters,
                 val_interval=150)
default_hooks = dict(
    logger=dict(interval=75),
    checkpoint=dict(interval=150, max_keep_ckpts=2))
