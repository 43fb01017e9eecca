# A measured variant (configs/cpsc/README.md, "Conditioning and diversity
# variants"): ../cpsc_wrn16-2_wrn16-1_cifar10.py with a linear student-LR warm-up (40 iterations from
# 0.01 x lr) before the cosine, as the paper's GPU recipe warms up (there
# 10 epochs). Tried because students that die in the first iterations never
# leave chance at this budget.
_base_ = ['../cpsc_wrn16-2_wrn16-1_cifar10.py']
param_scheduler = dict(architecture=[
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=40),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=40, eta_min=0.0)
])
