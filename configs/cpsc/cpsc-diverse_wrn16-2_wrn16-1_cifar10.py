# CPSC-DFKD on the CIFAR-10 CPU pair with intra-class diversity terms (not the
# paper's; see configs/cpsc/README.md, "Conditioning and diversity
# variants"): the generator is rewarded for different images of one class
# (IntraClassDiversityLoss, mode seeking) and the contrast treats each
# sample's other view as its only positive (instance discrimination), so it
# no longer pulls a class together into one image.
#   python tools/train.py configs/cpsc/cpsc-diverse_wrn16-2_wrn16-1_cifar10.py
_base_ = ['./cpsc_wrn16-2_wrn16-1_cifar10.py']

model = dict(
    generator_distiller=dict(
        teacher_recorders=dict(
            images=dict(type='ModuleInputs', source='backbone')),
        distill_losses=dict(
            loss_scl=dict(positives='instance'),
            loss_div=dict(type='IntraClassDiversityLoss', loss_weight=1.0)),
        loss_forward_mappings=dict(
            loss_div=dict(
                images=dict(from_student=False, recorder='images'),
                labels=dict(from_student=False, recorder='labels')))))
