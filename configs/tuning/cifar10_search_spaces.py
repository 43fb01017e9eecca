# What tools/tune.py may change in each method of the CIFAR-10 CPU suite: the
# method's own key knobs (learning rates, its loss weights, updates per
# iteration). Every method gets the same number of trials at the same budget;
# trial 0 is always the config as shipped (the method's published settings),
# the rest are drawn by Optuna's TPE sampler. Ranges contain the shipped value.
#   python tools/tune.py configs/tuning/cifar10_search_spaces.py \
#       --trials 4 --minutes 10 --out work_dirs/tune_cifar10 \
#       --teacher-ckpt work_dirs/wrn16_2_cifar10/epoch_30.pth
# The budget must let students leave chance: at 1.5 minutes per trial every
# CPSC trial scored 10-14 % (research/cifar10_cpu_log.md).
_base_ = ['./_base_/data_free_knobs.py']
suite = 'cifar10'
# ZSKT's attention-transfer weight, one value for the three WRN groups.
zskt_at_weight = dict(
    type='float', low=25.0, high=2500.0, log=True,
    keys=[f'model.distiller.distill_losses.loss_g{i}.loss_weight'
          for i in (1, 2, 3)])

methods = {
    'CPSC': dict(
        config='configs/cpsc/cpsc_wrn16-2_wrn16-1_cifar10.py',
        space=dict(student_lr={{_base_.student_lr}},
                   generator_lr={{_base_.cpsc_generator_lr}},
                   student_steps={{_base_.cpsc_student_steps}},
                   bn_weight={{_base_.cpsc_bn_weight}},
                   div_weight={{_base_.cpsc_div_weight}})),
    # The paper's CPSC (no diversity term), tuned like every other method.
    'CPSC-PAPER': dict(
        config='configs/cpsc/cpsc-paper_wrn16-2_wrn16-1_cifar10.py',
        space=dict(student_lr={{_base_.student_lr}},
                   generator_lr={{_base_.cpsc_generator_lr}},
                   student_steps={{_base_.cpsc_student_steps}},
                   bn_weight={{_base_.cpsc_bn_weight}})),
    'DAFL': dict(
        config='configs/baselines/dafl_wrn16-2_wrn16-1_cifar10.py',
        space=dict(student_lr={{_base_.student_lr}},
                   generator_lr={{_base_.generator_lr}},
                   oh_weight={{_base_.dafl_oh_weight}},
                   ie_weight={{_base_.dafl_ie_weight}})),
    'DFAD': dict(
        config='configs/baselines/dfad_wrn16-2_wrn16-1_cifar10.py',
        space=dict(student_lr={{_base_.student_lr}},
                   generator_lr={{_base_.generator_lr}},
                   student_iter={{_base_.student_iter}})),
    'ZSKT': dict(
        config='configs/baselines/zskt_wrn16-2_wrn16-1_cifar10.py',
        space=dict(student_lr={{_base_.student_lr}},
                   generator_lr={{_base_.generator_lr}},
                   student_iter={{_base_.student_iter}},
                   at_weight=zskt_at_weight)),
}
