# A measured variant (research/cifar10_cpu_log.md, "The first pilot"): ../cpsc-paper_wrn16-2_wrn16-1_cifar10.py with the student LR on a plain cosine from the
# first iteration, no warm-up. It is the CPU schedule as it was before the
# shared schedule (_base_/schedules/cifar10_data_free.py) got its 40-iteration
# warm-up; the variant rows measured without warm-up run from it.
_base_ = ['../cpsc-paper_wrn16-2_wrn16-1_cifar10.py']
param_scheduler = dict(architecture=[
    dict(type='CosineAnnealingLR', by_epoch=False, eta_min=0.0)
])
