# The MNIST suite's search spaces for tools/tune.py: the same knobs as the
# CIFAR-10 suite (configs/tuning/cifar10_search_spaces.py), on the LeNet pair.
# Trials are scored on the MNIST configs' validation set, 5,000 held-out
# training images (HeldOutSplit) that no model trains on and that are
# disjoint from the reported test set.
_base_ = ['./_base_/data_free_knobs.py']
suite = 'mnist'
zskt_at_weight = dict(
    type='float', low=25.0, high=2500.0, log=True,
    keys=[f'model.distiller.distill_losses.loss_s{i}.loss_weight'
          for i in (1, 2)])

# DAFL's one-hot weight around its paper's MNIST value (1), reaching down to
# MMRazor's CIFAR-10 value (0.05).
dafl_oh_weight_mnist = dict(
    type='float', low=0.05, high=5.0, log=True,
    keys=['model.generator_distiller.distill_losses.loss_oh.loss_weight'])

methods = dict(
    CPSC=dict(
        config='configs/cpsc/cpsc_lenet5bn_lenet5half_mnist.py',
        space=dict(student_lr={{_base_.student_lr}},
                   generator_lr={{_base_.cpsc_generator_lr}},
                   student_steps={{_base_.cpsc_student_steps}},
                   bn_weight={{_base_.cpsc_bn_weight}})),
    DAFL=dict(
        config='configs/baselines/dafl_lenet5bn_lenet5half_mnist.py',
        space=dict(student_lr={{_base_.student_lr}},
                   generator_lr={{_base_.generator_lr}},
                   oh_weight=dafl_oh_weight_mnist,
                   ie_weight={{_base_.dafl_ie_weight}})),
    DFAD=dict(
        config='configs/baselines/dfad_lenet5bn_lenet5half_mnist.py',
        space=dict(student_lr={{_base_.student_lr}},
                   generator_lr={{_base_.generator_lr}},
                   student_iter={{_base_.student_iter}})),
    ZSKT=dict(
        config='configs/baselines/zskt_lenet5bn_lenet5half_mnist.py',
        space=dict(student_lr={{_base_.student_lr}},
                   generator_lr={{_base_.generator_lr}},
                   student_iter={{_base_.student_iter}},
                   at_weight=zskt_at_weight)),
)
