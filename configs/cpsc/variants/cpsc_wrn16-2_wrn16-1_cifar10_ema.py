# A lever of issue 32 (quality per CPU minute), measured against the shipped
# config ../cpsc_wrn16-2_wrn16-1_cifar10.py: the student is validated, tested
# and exported as an exponential moving average of its weights (mmengine's
# EMAHook, ema_hook in the schedule base). The same hook is given to DFAD in
# configs/baselines/ema/.
# Measured: it lost and is not shipped (docs/results/README.md, "Levers for
# quality per CPU minute").
_base_ = ['../cpsc_wrn16-2_wrn16-1_cifar10.py']
custom_hooks = {{_base_.cpu_hooks_ema}}
