# MMRazor's parts inside CPSC: the MNIST CPSC config plus MMRazor's
# attention-transfer loss (ATLoss) between the second convolution blocks of
# student and teacher in the student step - config only, no code.
_base_ = ['../cpsc/cpsc_lenet5bn_lenet5half_mnist.py']

block2 = dict(type='ModuleOutputs', source='backbone.features.6')  # ReLU
model = dict(
    distiller=dict(
        student_recorders=dict(block2=block2),
        teacher_recorders=dict(block2=block2),
        distill_losses=dict(loss_at=dict(type='ATLoss', loss_weight=50.0)),
        loss_forward_mappings=dict(
            loss_at=dict(
                s_feature=dict(from_student=True, recorder='block2'),
                t_feature=dict(from_student=False, recorder='block2')))))
