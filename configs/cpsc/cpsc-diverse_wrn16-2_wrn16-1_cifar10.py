# CPSC-DFKD on the CIFAR-10 CPU pair with an intra-class diversity term (not
# the paper's; configs/cpsc/README.md, "Conditioning and diversity variants"):
# the generator is also rewarded for different images of one class
# (IntraClassDiversityLoss, mode seeking), which a conditional generator
# otherwise gives up to satisfy the teacher's cross-entropy with one image
# per class. Everything else is cpsc_wrn16-2_wrn16-1_cifar10.py.
#   python tools/train.py configs/cpsc/cpsc-diverse_wrn16-2_wrn16-1_cifar10.py
_base_ = ['./cpsc_wrn16-2_wrn16-1_cifar10.py']

model = dict(
    generator_distiller=dict(
        teacher_recorders=dict(
            images=dict(type='ModuleInputs', source='backbone')),
        distill_losses=dict(
            loss_div=dict(type='IntraClassDiversityLoss', loss_weight=1.0)),
        loss_forward_mappings=dict(
            loss_div=dict(
                images=dict(from_student=False, recorder='images'),
                labels=dict(from_student=False, recorder='labels')))))
