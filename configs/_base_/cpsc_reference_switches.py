# The authors' code's choices, shared by configs/cpsc/*_reference.py
# (configs/cpsc/README.md, "Reference variants"). Each reference config picks
# the model override for its logit distance (plain MSE on CIFAR-100 and
# Tiny-ImageNet, the log form on CIFAR-10) and whether the student and
# teacher widths are equal (then no projection head).
_double_softmax = dict(reference_double_softmax=True)
_no_projection = dict(
    connectors=dict(_delete_=True),
    loss_forward_mappings=dict(
        loss_scl=dict(
            student_feats=dict(_delete_=True, from_student=True,
                               recorder='feats', data_idx=0))))


def _switches(ikd_mode, equal_widths):
    generator_distiller = dict(
        distill_losses=dict(loss_adv_ikd=dict(mode=ikd_mode),
                            loss_ce=_double_softmax))
    if equal_widths:
        generator_distiller.update(_no_projection)
    return dict(
        reset_generator_optimizer=True,
        generator_distiller=generator_distiller,
        distiller=dict(distill_losses=dict(loss_ikd=dict(mode=ikd_mode),
                                           loss_ce=_double_softmax)))


reference_mse_equal_widths = _switches('mse', True)
reference_log_mse_equal_widths = _switches('log_mse', True)
reference_mse_projection = _switches('mse', False)
reference_log_mse_projection = _switches('log_mse', False)
