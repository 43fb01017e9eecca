# Runtime shared by data-free distillation configs (iteration-based, MMRazor scope).
default_scope = 'mmrazor'
custom_imports = dict(imports=['mmrazor_cpsc'], allow_failed_imports=False)

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='CheckpointHook', by_epoch=False, interval=500, max_keep_ckpts=2,
        save_best='accuracy/top1', rule='greater'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
)
# Checkpoints carry every rank's random state, so --resume continues the noise
# and label streams exactly where an uninterrupted run would be.
# The teacher's validation top-1 is logged before the first iteration (a
# wrong teacher or normalisation shows at once; the run is unchanged).
custom_hooks = [dict(type='RandomStateHook'), dict(type='TeacherAccuracyHook')]
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='Visualizer', vis_backends=vis_backends)
log_processor = dict(by_epoch=False, window_size=50)
log_level = 'INFO'
load_from = None
resume = False
# Ranks must draw different noise (their labels are slices of one globally
# balanced batch, drawn by rank 0: labels_across_ranks).
randomness = dict(seed=0, diff_rank_seed=True)

# No `sync_bn`: mmengine's converts every BatchNorm of the algorithm, the
# frozen teacher's too, which drops the BN-statistics recorder's hooks, and
# torch's SyncBatchNorm runs on GPUs only. With several processes the
# algorithm itself puts the generator's and the student's BatchNorm on the
# global batch (CPSCDataFreeDistillation(batchnorm_across_ranks=True)), as
# its losses and label sampling (gather_across_ranks, labels_across_ranks).
model_wrapper_cfg = dict(
    type='mmengine.MMSeparateDistributedDataParallel',
    broadcast_buffers=False,
    find_unused_parameters=False)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
