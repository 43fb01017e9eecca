# Refine a trained CPSC generator into a dataset generator (MNIST): after
# CPSC-DFKD, train the generator alone for a few hundred iterations towards
# images the teacher classifies as their label (conditional CE), with the
# teacher's BN statistics and a total-variation prior keeping them natural.
# The student is left exactly as CPSC trained it (student_steps=0: no update,
# BN statistics frozen), so its test accuracy is unchanged; the refined
# generator is what GeneratorDataset and the image grids should use. The
# adversarial terms are switched off: they make samples hard for the student,
# which helps distillation but not a dataset meant to look like its classes.
# Measured on the generator of a 831-iteration CPSC run (student 98.50 %):
# teacher agreement on the grid 30-45 % before, 96 % after 300 and 99 % after
# 600 refinement iterations; student still 98.50 %. Rows 2 and 3 look like
# digits, most others stay stroke textures (configs/cpsc/README.md).
#   python tools/train.py configs/cpsc/cpsc_generator_refine_lenet5bn_lenet5half_mnist.py \
#       --cfg-options load_from=work_dirs/cpsc_lenet5bn_lenet5half_mnist/iter_1000.pth
_base_ = ['./cpsc_lenet5bn_lenet5half_mnist.py']

# The CPSC checkpoint to refine (student, generator and teacher).
load_from = 'work_dirs/cpsc_lenet5bn_lenet5half_mnist/iter_1000.pth'

images = dict(type='ModuleInputs', source='backbone.features.0')
model = dict(
    student_steps=0,
    generator_distiller=dict(
        teacher_recorders=dict(images=images),
        distill_losses=dict(
            loss_adv_kl=dict(loss_weight=0.0),
            loss_adv_ikd=dict(loss_weight=0.0),
            loss_ce=dict(loss_weight=5.0),
            loss_tv=dict(type='TotalVariationLoss', loss_weight=1.0, p=2)),
        loss_forward_mappings=dict(
            loss_tv=dict(images=dict(from_student=False, recorder='images',
                                     data_idx=0)))))

# 600 generator updates (~2.5 min on 2 CPU cores); the generator LR anneals
# to zero over them (schedules/mnist_data_free.py).
max_iters = 600
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
train_dataloader = dict(dataset=dict(length=256 * max_iters))
default_hooks = dict(checkpoint=dict(interval=max_iters))
custom_hooks = [
    dict(type='RandomStateHook'),
    dict(type='CPUMemoryReuseHook'),
    dict(type='SyntheticGridHook', interval=150),
]
