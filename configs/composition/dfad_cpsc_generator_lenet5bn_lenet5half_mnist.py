# MMRazor's own DataFreeDistillation configured as DFAD (adversarial L1 on
# logits), driven by CPSC's class-conditional generator: the DFAD baseline
# (configs/baselines/dfad_lenet5bn_lenet5half_mnist.py) with one change, the
# generator. MMRazor calls its generator as G(z) with no labels;
# LabelSamplingGenerator draws them and calls CPSCGenerator's G(z, y).
#   python tools/train.py \
#       configs/composition/dfad_cpsc_generator_lenet5bn_lenet5half_mnist.py \
#       --cfg-options model.teachers.lenet5.ckpt_path=TEACHER.pth
_base_ = [
    '../baselines/dfad_lenet5bn_lenet5half_mnist.py',
    '../_base_/models/cpsc_mnist_generator.py'
]
model = dict(
    generator=dict(
        _delete_=True,
        type='LabelSamplingGenerator',
        label_sampling='balanced',
        generator={{_base_.mnist_generator}}))
