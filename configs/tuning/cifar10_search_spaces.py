# What tools/tune.py may change in each method of the CIFAR-10 CPU suite: the
# method's own key knobs (learning rates, its loss weights, updates per
# iteration). Every method gets the same number of trials at the same budget;
# trial 0 is always the config as shipped (the method's published settings),
# the rest are drawn by Optuna's TPE sampler. Ranges contain the shipped value.
#   python tools/tune.py configs/tuning/cifar10_search_spaces.py \
#       --trials 6 --minutes 2 --out work_dirs/tune_cifar10
# A knob is `name=dict(type='float'|'int', low=, high=, log=, keys=[...])`:
# one drawn value is written to every config key in `keys`.
suite = 'cifar10'
student_lr = dict(type='float', low=0.02, high=0.3, log=True,
                  keys=['optim_wrapper.architecture.optimizer.lr'])
generator_lr = dict(type='float', low=1e-4, high=1e-2, log=True,
                    keys=['optim_wrapper.generator.optimizer.lr'])

methods = dict(
    CPSC=dict(
        config='configs/cpsc/cpsc_wrn16-2_wrn16-1_cifar10.py',
        space=dict(
            student_lr=student_lr,
            generator_lr=dict(
                generator_lr,
                keys=['optim_wrapper.generator.optimizer.lr',
                      'optim_wrapper.generator_distiller.optimizer.lr']),
            student_steps=dict(type='int', low=1, high=10,
                               keys=['model.student_steps']),
            bn_weight=dict(
                type='float', low=0.1, high=10.0, log=True,
                keys=['model.generator_distiller.distill_losses.loss_bn.'
                      'loss_weight']))),
    DAFL=dict(
        config='configs/baselines/dafl_wrn16-2_wrn16-1_cifar10.py',
        space=dict(
            student_lr=student_lr,
            generator_lr=generator_lr,
            student_iter=dict(type='int', low=1, high=10,
                              keys=['model.student_iter']),
            ie_weight=dict(
                type='float', low=0.5, high=50.0, log=True,
                keys=['model.generator_distiller.distill_losses.loss_ie.'
                      'loss_weight']))),
    DFAD=dict(
        config='configs/baselines/dfad_wrn16-2_wrn16-1_cifar10.py',
        space=dict(
            student_lr=student_lr,
            generator_lr=generator_lr,
            student_iter=dict(type='int', low=1, high=10,
                              keys=['model.student_iter']))),
    ZSKT=dict(
        config='configs/baselines/zskt_wrn16-2_wrn16-1_cifar10.py',
        space=dict(
            student_lr=student_lr,
            generator_lr=generator_lr,
            student_iter=dict(type='int', low=1, high=10,
                              keys=['model.student_iter']),
            at_weight=dict(
                type='float', low=25.0, high=2500.0, log=True,
                keys=[f'model.distiller.distill_losses.loss_g{i}.loss_weight'
                      for i in (1, 2, 3)]))),
)
