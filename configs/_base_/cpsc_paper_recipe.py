# The paper's GPU training recipe, shared by the nine paper-table configs
# (configs/cpsc/cpsc_{pair}_{cifar10,cifar100,tiny-imagenet}.py), which add
# only their dataset, backbones, widths and teacher file
# (configs/cpsc/README.md, "Schedule"):
# - 600 "epochs" x 50 iterations = 30,000 iterations;
# - batch 512 (the paper's, on one GPU). batch_size is per process as in
#   every mmengine config; with N processes the contrastive loss, the
#   BN-statistics loss, the balanced labels and the generator's and
#   student's BatchNorm all see the global batch of N x batch_size, so the
#   losses and updates are those of one process with that batch
#   (docs/user_guides/multi_gpu.md);
# - per iteration 6 generator updates, then 5 student updates, each on a
#   fresh (z, y) batch;
# - student SGD lr 0.1, momentum 0.9, wd 5e-4, 10-epoch (500-iteration)
#   linear warm-up then cosine; generator and projection head Adam lr 1e-3,
#   betas (0.5, 0.999);
# - alpha 5, beta 1, gamma 0.7, eta 0.7, tau 0.07 (the losses of
#   models/cpsc_classifier_pair.py), nz 256, ngf 64 (the children's
#   generators).
# Children set num_classes in train_dataloader.dataset.
_base_ = ['./models/cpsc_classifier_pair.py']

batch_size = 512
max_iters = 30000  # 600 epochs x 50 iterations
warmup_iters = 500  # 10 epochs x 50 iterations

model = dict(generator_steps=6, student_steps=5)

optim_wrapper = dict(
    architecture=dict(
        optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4)),
    generator=dict(optimizer=dict(type='Adam', lr=1e-3, betas=(0.5, 0.999))),
    generator_distiller=dict(
        optimizer=dict(type='Adam', lr=1e-3, betas=(0.5, 0.999))))
# The cosine has no `end`: mmengine ends it at train_cfg.max_iters, so a run
# shortened with --cfg-options train_cfg.max_iters=N still anneals fully.
param_scheduler = dict(
    architecture=[
        dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
             end=warmup_iters),
        dict(type='CosineAnnealingLR', by_epoch=False, begin=warmup_iters,
             eta_min=0.0)
    ],
    generator=[],
    generator_distiller=[])

train_dataloader = dict(
    batch_size=batch_size,
    num_workers=0,
    dataset=dict(type='DataFreeDataset'),
    sampler=dict(type='InfiniteSampler', shuffle=False))
# Validate (and checkpoint, runtime default) every 10 epochs.
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters,
                 val_interval=500)
