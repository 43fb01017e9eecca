# A conditioning variant (issue "Conditioning that holds"; measured in
# research/mnist_log.md):
# ../cpsc_lenet5bn_lenet5half_mnist.py with the generator's contrast L_SCL
# taking class positives only among the images the teacher classifies as
# their label; an image the teacher reads as another class keeps only its
# other view as positive (PseudoSupervisedContrastLoss(
# positives='teacher_confirmed')).
_base_ = ['../cpsc_lenet5bn_lenet5half_mnist.py']
model = dict(
    generator_distiller=dict(
        distill_losses=dict(loss_scl=dict(positives='teacher_confirmed')),
        loss_forward_mappings=dict(loss_scl=dict(
            teacher_logits=dict(from_student=False, recorder='logits')))))
