# The data-free training budget shared by every CIFAR-10 method (CPSC and the
# MMRazor baselines) on the CPU-sized WRN pair, so a comparison differs only in
# the method: batch 256 of pseudo labels, the student trained by SGD (the
# paper's lr 0.1, momentum 0.9, wd 5e-4) with a cosine to 0 over the run, the
# generator's LR annealed the same way. max_iters is the budget knob;
# tools/benchmark.py --suite cifar10 sets it from its minutes per run.
# Every forward pass runs under bfloat16 autocast (CPUAutocastOptimWrapper
# for what an algorithm runs in optim_context, AutocastModulesHook for the
# generator, which MMRazor's algorithms call outside it) and every
# convolution channels-last (ChannelsLastHook): CPU speed settings that every
# method gets alike.
batch_size = 256
max_iters = 2000

student_optim_wrapper = dict(
    type='CPUAutocastOptimWrapper',
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4))
student_cosine = [dict(type='CosineAnnealingLR', by_epoch=False, eta_min=0.0)]
generator_cosine = [
    dict(type='CosineAnnealingLR', by_epoch=False, eta_min=0.0)
]

train_dataloader = dict(
    batch_size=batch_size,
    num_workers=0,
    dataset=dict(type='DataFreeDataset', num_classes=10),
    sampler=dict(type='InfiniteSampler', shuffle=False))
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters,
                 val_interval=400)
# Children set custom_hooks = {{_base_.cpu_hooks}} (the runtime base owns
# custom_hooks).
cpu_hooks = [
    dict(type='RandomStateHook'),
    dict(type='CPUMemoryReuseHook'),
    dict(type='ChannelsLastHook'),
    dict(type='AutocastModulesHook', modules=['generator']),
]
