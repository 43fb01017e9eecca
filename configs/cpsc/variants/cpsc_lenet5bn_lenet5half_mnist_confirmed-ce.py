# A conditioning variant (issue "Conditioning that holds"; measured in
# research/mnist_log.md):
# ../cpsc_lenet5bn_lenet5half_mnist.py with the student's label term
# eta * CE(s, y) weighted per image by the teacher's probability of y, so the
# student is not pulled towards a label its teacher contradicts on that image
# (ConditionalCrossEntropyLoss(confirmation='teacher_prob')).
_base_ = ['../cpsc_lenet5bn_lenet5half_mnist.py']
model = dict(
    distiller=dict(
        distill_losses=dict(loss_ce=dict(confirmation='teacher_prob')),
        loss_forward_mappings=dict(loss_ce=dict(
            teacher_logits=dict(from_student=False, recorder='logits')))))
