# MMRazor's published ZSKT config
# (zskt_backbone_logits_resnet34_resnet18_8xb16_cifar10; MMRazor reports 93.05
# top-1) for this stack: same algorithm, generator, losses (attention transfer
# after each ResNet stage + KL), optimisers, schedule and batch; mmpretrain
# scope, a local teacher file and no CIFAR training set
# (see configs/baselines/README.md).
#   tools/dist_train.sh configs/baselines/zskt_resnet34_resnet18_cifar10.py 8 \
#       --cfg-options model.teacher_ckpt=checkpoints/res34.pth
_base_ = ['../_base_/mmrazor_dfkd_resnet34_resnet18_cifar10.py']
batch_size = 16  # per GPU; upstream: 8 GPUs x 16
iter_size = 50
max_iters = 500 * iter_size


def _stage(student_block, teacher_block):
    # record_idx=1: a BasicBlock calls its ReLU twice; the second call is the
    # block's output.
    return dict(
        s_feature=dict(from_student=True, recorder=student_block,
                       record_idx=1),
        t_feature=dict(from_student=False, recorder=teacher_block,
                       record_idx=1))


fc_pair = dict(preds_S=dict(from_student=True, recorder='fc'),
               preds_T=dict(from_student=False, recorder='res34_fc'))
model = dict(
    type='DataFreeDistillation',
    generator=dict(type='ZSKTGenerator', img_size=32, latent_dim=256,
                   hidden_channels=128),
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            bb_s1=dict(type='ModuleOutputs', source='backbone.layer1.1.relu'),
            bb_s2=dict(type='ModuleOutputs', source='backbone.layer2.1.relu'),
            bb_s3=dict(type='ModuleOutputs', source='backbone.layer3.1.relu'),
            bb_s4=dict(type='ModuleOutputs', source='backbone.layer4.1.relu'),
            fc=dict(type='ModuleOutputs', source='head.fc')),
        teacher_recorders=dict(
            res34_bb_s1=dict(type='ModuleOutputs',
                             source='res34.backbone.layer1.2.relu'),
            res34_bb_s2=dict(type='ModuleOutputs',
                             source='res34.backbone.layer2.3.relu'),
            res34_bb_s3=dict(type='ModuleOutputs',
                             source='res34.backbone.layer3.5.relu'),
            res34_bb_s4=dict(type='ModuleOutputs',
                             source='res34.backbone.layer4.2.relu'),
            res34_fc=dict(type='ModuleOutputs', source='res34.head.fc')),
        distill_losses=dict(
            loss_s1=dict(type='ATLoss', loss_weight=250.0),
            loss_s2=dict(type='ATLoss', loss_weight=250.0),
            loss_s3=dict(type='ATLoss', loss_weight=250.0),
            loss_s4=dict(type='ATLoss', loss_weight=250.0),
            loss_kl=dict(type='KLDivergence', loss_weight=2.0,
                         reduction='mean')),
        loss_forward_mappings=dict(
            loss_s1=_stage('bb_s1', 'res34_bb_s1'),
            loss_s2=_stage('bb_s2', 'res34_bb_s2'),
            loss_s3=_stage('bb_s3', 'res34_bb_s3'),
            loss_s4=_stage('bb_s4', 'res34_bb_s4'),
            loss_kl=fc_pair)),
    generator_distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            fc=dict(type='ModuleOutputs', source='head.fc')),
        teacher_recorders=dict(
            res34_fc=dict(type='ModuleOutputs', source='res34.head.fc')),
        distill_losses=dict(
            loss_kl=dict(type='KLDivergence', loss_weight=-2.0,
                         reduction='mean', teacher_detach=False)),
        loss_forward_mappings=dict(loss_kl=fc_pair)),
    student_iter=10)

optim_wrapper = dict(
    constructor='mmrazor.SeparateOptimWrapperConstructor',
    architecture=dict(
        optimizer=dict(type='SGD', lr=0.1, weight_decay=0.0005, momentum=0.9)),
    generator=dict(optimizer=dict(type='Adam', lr=1e-3)))
auto_scale_lr = dict(base_batch_size=16)
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
