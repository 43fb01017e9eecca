# A conditioning variant (issue "Conditioning that holds"; measured in
# research/mnist_log.md):
# ../cpsc_lenet5bn_lenet5half_mnist.py with the generator's adversarial terms
# (-KL(t||s) and -alpha * L_IKD) fading to 0 between 20 % and 60 % of the run:
# the generator refinement's main move (no adversarial terms, see
# ../cpsc_generator_refine_lenet5bn_lenet5half_mnist.py) folded into
# training. The refinement makes 99 % of the images class-correct, but only
# after training, too late to help the student.
_base_ = ['../cpsc_lenet5bn_lenet5half_mnist.py']
# The shipped config's hooks, then the schedule.
custom_hooks = _base_.custom_hooks + [
    dict(type='LossWeightScheduleHook', schedules=[
        dict(loss='generator_distiller.distill_losses.loss_adv_kl',
             end_factor=0.0, begin=0.2, end=0.6, by_fraction=True),
        dict(loss='generator_distiller.distill_losses.loss_adv_ikd',
             end_factor=0.0, begin=0.2, end=0.6, by_fraction=True)]),
]
