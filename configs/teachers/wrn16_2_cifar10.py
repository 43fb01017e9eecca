# Trains the CIFAR-10 teacher (WRN-16-2) on the real training images minus the
# 5,000 held out for selection; validates on those, tests on the test set.
# python tools/prepare_cifar10.py
# python tools/train.py configs/teachers/wrn16_2_cifar10.py
# Sized for 2 CPU cores: channels-last convolutions, and bfloat16 autocast
# where this CPU runs it faster (enabled='auto'; on an Intel Xeon without
# AMX it does not, and float32 is used).
_base_ = [
    '../_base_/datasets/cifar10.py', '../_base_/models/wrn_cifar10.py',
    '../_base_/default_runtime.py'
]

default_scope = 'mmpretrain'
custom_imports = dict(imports=['mmrazor_cpsc'], allow_failed_imports=False)

model = dict(
    # Named for configs that inherit this one by package scope
    # (`mmrazor_cpsc::teachers/...`), which mmengine tags with our scope.
    _scope_='mmpretrain',
    type='ImageClassifier',
    data_preprocessor={{_base_.cifar10_cpu_preprocessor}},
    backbone={{_base_.wrn16_2_cifar10.backbone}},
    neck={{_base_.wrn16_2_cifar10.neck}},
    head={{_base_.wrn16_2_cifar10.head}})

train_dataloader = dict(
    batch_size=128,
    num_workers=1,
    persistent_workers=True,
    dataset=dict(
        type='mmpretrain.HeldOutSplit',
        part='rest',  # the complement of the validation set's held-out part
        per_class={{_base_.cifar10_held_out.per_class}},
        seed={{_base_.cifar10_held_out.seed}},
        dataset=dict(type='mmpretrain.LocalCIFAR10',
                     data_root={{_base_.cifar10_root}}, split='train',
                     pipeline={{_base_.cifar10_train_pipeline}})),
    sampler=dict(type='DefaultSampler', shuffle=True))

optim_wrapper = dict(
    type='CPUAutocastOptimWrapper',
    enabled='auto',
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4,
                   nesterov=True))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    # No end/T_max: mmengine ends the cosine at train_cfg.max_epochs, so
    # --cfg-options train_cfg.max_epochs=N still anneals fully.
    dict(type='CosineAnnealingLR', by_epoch=True, begin=1, eta_min=0,
         convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=30, val_interval=5)
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(logger=dict(type='LoggerHook', interval=50))
custom_hooks = [
    dict(type='mmrazor.ChannelsLastHook'),
    dict(type='mmrazor.CPUMemoryReuseHook'),
    # Records the normalisation in every checkpoint, so a distillation
    # config that normalises differently is refused.
    dict(type='mmrazor.TrainingDataMetaHook'),
]
