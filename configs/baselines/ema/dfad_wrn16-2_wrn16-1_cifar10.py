# MMRazor's DFAD with the EMA lever of issue 32, for the fairness row of the
# ablation: the student is validated, tested and exported as an exponential
# moving average of its weights, exactly as in
# configs/cpsc/variants/cpsc_wrn16-2_wrn16-1_cifar10_ema.py (ema_hook in the
# schedule base).
_base_ = ['../dfad_wrn16-2_wrn16-1_cifar10.py']
custom_hooks = {{_base_.cpu_hooks_ema}}
