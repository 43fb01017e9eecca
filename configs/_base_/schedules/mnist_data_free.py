# The data-free training budget shared by every MNIST method (CPSC and the
# MMRazor baselines), so a comparison differs only in the method: batch 256 of
# pseudo labels, 1,000 iterations, validation every 200, the
# student trained by SGD (lr 0.05, momentum 0.9, wd 5e-4) with a cosine to
# 1e-4. Children add their generator's optimiser and schedule.
batch_size = 256
max_iters = 1000

# Plain variables, not optim_wrapper/param_scheduler themselves, so the
# schedule composes with model bases that define those (cpsc_classifier_pair).
student_optimizer = dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=5e-4)
# No T_max/end: mmengine ends the schedule at train_cfg.max_iters, so a run
# shortened with --cfg-options train_cfg.max_iters=N still anneals fully.
student_cosine = [
    dict(type='CosineAnnealingLR', by_epoch=False, eta_min=1e-4)
]
generator_cosine = [
    dict(type='CosineAnnealingLR', by_epoch=False, eta_min=0.0)
]

train_dataloader = dict(
    batch_size=batch_size,
    num_workers=0,
    dataset=dict(type='DataFreeDataset', num_classes=10),
    sampler=dict(type='InfiniteSampler', shuffle=False))
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters,
                 val_interval=200)
