# MMRazor's published DFAD config (dfad_logits_resnet34_resnet18_8xb32_cifar10;
# MMRazor reports 92.80 top-1) for this stack: same algorithm, generator,
# losses, optimisers, schedule and batch; mmpretrain scope, a local teacher
# file and no CIFAR training set (see configs/baselines/README.md).
#   tools/dist_train.sh configs/baselines/dfad_resnet34_resnet18_cifar10.py 8 \
#       --cfg-options model.teacher_ckpt=checkpoints/res34.pth
_base_ = ['../_base_/mmrazor_dfkd_resnet34_resnet18_cifar10.py']
batch_size = 32  # per GPU; upstream: 8 GPUs x 32
iter_size = 50
max_iters = 500 * iter_size
l1 = dict(s_feature=dict(from_student=True, recorder='fc'),
          t_feature=dict(from_student=False, recorder='res34_fc'))

model = dict(
    type='DataFreeDistillation',
    generator=dict(type='DAFLGenerator', img_size=32, latent_dim=256,
                   hidden_channels=128, bn_eps=1e-5),
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            fc=dict(type='ModuleOutputs', source='head.fc')),
        teacher_recorders=dict(
            res34_fc=dict(type='ModuleOutputs', source='res34.head.fc')),
        distill_losses=dict(loss_l1=dict(type='L1Loss', loss_weight=1.0)),
        loss_forward_mappings=dict(loss_l1=l1)),
    generator_distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            fc=dict(type='ModuleOutputs', source='head.fc')),
        teacher_recorders=dict(
            res34_fc=dict(type='ModuleOutputs', source='res34.head.fc')),
        distill_losses=dict(loss_l1=dict(type='L1Loss', loss_weight=-1.0)),
        loss_forward_mappings=dict(loss_l1=l1)),
    student_iter=5,
    student_train_first=True)

optim_wrapper = dict(
    constructor='mmrazor.SeparateOptimWrapperConstructor',
    architecture=dict(
        optimizer=dict(type='SGD', lr=0.1, weight_decay=5e-4, momentum=0.9)),
    generator=dict(optimizer=dict(type='AdamW', lr=1e-3)))
auto_scale_lr = dict(base_batch_size=32)
param_scheduler = dict(
    architecture=[
        dict(type='MultiStepLR', milestones=[100 * iter_size, 200 * iter_size],
             by_epoch=False)
    ],
    generator=[
        dict(type='MultiStepLR', milestones=[100 * iter_size, 200 * iter_size],
             by_epoch=False)
    ])

train_dataloader = dict(batch_size=batch_size)
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters,
                 val_interval=250)
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(interval=100, max_keep_ckpts=2))
