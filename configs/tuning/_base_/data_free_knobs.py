# Knobs every data-free method has, shared by the suites' search spaces
# (tools/tune.py). A knob: type 'float' | 'int', the range [low, high]
# (log-uniform with log=True) and the config keys it sets, all to one value.
student_lr = dict(type='float', low=0.01, high=0.3, log=True,
                  keys=['optim_wrapper.architecture.optimizer.lr'])
generator_lr = dict(type='float', low=1e-4, high=1e-2, log=True,
                    keys=['optim_wrapper.generator.optimizer.lr'])
# CPSC's generator and its projection head share one learning rate.
cpsc_generator_lr = dict(
    type='float', low=1e-4, high=1e-2, log=True,
    keys=['optim_wrapper.generator.optimizer.lr',
          'optim_wrapper.generator_distiller.optimizer.lr'])
cpsc_student_steps = dict(type='int', low=1, high=10,
                          keys=['model.student_steps'])
student_iter = dict(type='int', low=1, high=10, keys=['model.student_iter'])
cpsc_bn_weight = dict(
    type='float', low=0.1, high=10.0, log=True,
    keys=['model.generator_distiller.distill_losses.loss_bn.loss_weight'])
# Our CPSC default's intra-class diversity term.
cpsc_div_weight = dict(
    type='float', low=0.1, high=10.0, log=True,
    keys=['model.generator_distiller.distill_losses.loss_div.loss_weight'])
# DAFL's one-hot term (MMRazor's DAFL has no student_iter: its train_step
# makes exactly one student update per generator update).
dafl_oh_weight = dict(
    type='float', low=0.005, high=0.5, log=True,
    keys=['model.generator_distiller.distill_losses.loss_oh.loss_weight'])
dafl_ie_weight = dict(
    type='float', low=0.5, high=50.0, log=True,
    keys=['model.generator_distiller.distill_losses.loss_ie.loss_weight'])
