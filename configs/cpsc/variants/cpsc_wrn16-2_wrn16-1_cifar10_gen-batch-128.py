# A lever of issue 32 (quality per CPU minute), measured against the shipped
# config ../cpsc_wrn16-2_wrn16-1_cifar10.py at equal time: the generator step
# synthesises 128 images instead of the training batch's 256. It
# back-propagates through teacher and student and took 37 % of an iteration
# (docs/notes/cpu_speed.md, "Where an iteration's time goes"), so halving it
# buys iterations, at the price of noisier batch statistics for L_BN and
# fewer contrast pairs per generator update.
# Measured: ahead on one seed, inside seed noise; not the default until a
# second seed agrees (docs/results/README.md, "Levers for quality per CPU
# minute").
_base_ = ['../cpsc_wrn16-2_wrn16-1_cifar10.py']
model = dict(generator_batch_size=128)
