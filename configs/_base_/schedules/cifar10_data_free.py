# The data-free training budget shared by every CIFAR-10 method (CPSC and the
# MMRazor baselines) on the CPU-sized WRN pair, so a comparison differs only in
# the method: batch 256 of pseudo labels, the student trained by SGD (the
# paper's lr 0.1, momentum 0.9, wd 5e-4) with a linear warm-up over the first
# student_warmup_iters iterations (from 0.01 x lr) then a cosine to 0, the
# generator's LR annealed by a cosine. max_iters is the budget knob;
# tools/benchmark.py --suite cifar10 sets it from its minutes per run.
# Every forward pass runs under bfloat16 autocast where this CPU runs bf16
# faster (enabled='auto': a one-second probe at start, logged; AMD EPYC yes,
# Intel Xeon without AMX no) -- CPUAutocastOptimWrapper for what an
# algorithm runs in optim_context, AutocastModulesHook for the generator,
# which MMRazor's algorithms call outside it -- and every convolution
# channels-last (ChannelsLastHook): CPU speed settings every method gets
# alike.
batch_size = 256
max_iters = 2000

student_optim_wrapper = dict(
    type='CPUAutocastOptimWrapper',
    enabled='auto',
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4))
# Why a warm-up: without it about half the CIFAR-10 runs lost the student in
# its first iterations (loss stuck at chance for the rest of the run;
# research/cifar10_cpu_log.md, "The first pilot"), and a
# 40-iteration warm-up rescued them. The paper's GPU recipe warms up too (10
# epochs). It is part of the shared budget, so every method gets it. Both
# schedulers start at 0: mmengine chains them and, with eta_min 0, both are
# pure ratios, so the LR is lr x warm-up factor x cosine factor. That keeps
# a run shorter than the warm-up (a timing calibration, a smoke test) valid,
# which a cosine beginning at iteration 40 would refuse.
student_warmup_iters = 40
student_warmup_cosine = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=student_warmup_iters),
    dict(type='CosineAnnealingLR', by_epoch=False, eta_min=0.0)
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
                 val_interval=400)
# Children set custom_hooks = {{_base_.cpu_hooks}} (the runtime base owns
# custom_hooks).
cpu_hooks = [
    dict(type='RandomStateHook'),
    dict(type='CPUMemoryReuseHook'),
    dict(type='ChannelsLastHook'),
    dict(type='AutocastModulesHook', modules=['generator'], enabled='auto'),
    # The teacher's validation top-1 before the first iteration.
    dict(type='TeacherAccuracyHook'),
]
# The same with a generator head start for MMRazor's algorithms, whose code
# has none (configs/baselines/head_start); CPSC's is built in.
cpu_hooks_head_start = cpu_hooks + [
    dict(type='GeneratorHeadStartHook', student_start_iter=40)
]
# A lever of issue 32 for every method alike: an exponential moving average
# of the weights (mmengine's EMAHook), validated, tested and saved in place of
# the raw weights; the raw ones stay in each checkpoint's 'ema_state_dict'.
# Momentum 0.01 averages about the last 100 iterations (a tenth of a
# 30-minute run); buffers (BN statistics) are averaged with the weights.
ema_hook = dict(type='EMAHook', momentum=0.01, update_buffers=True)
cpu_hooks_ema = cpu_hooks + [ema_hook]
