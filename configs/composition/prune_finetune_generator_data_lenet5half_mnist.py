# Data-free pruning: MMRazor's ItePruneAlgorithm (L1-norm channel pruning)
# prunes the LeNet-5-half student of a CPSC run and fine-tunes it only on
# images from the same run's generator (GeneratorDataset); validation and
# test use the real MNIST test set. One CPSC checkpoint supplies both the
# generator (the data) and the student (the model to prune); the teacher
# labels the images.
#   python tools/train.py configs/composition/prune_finetune_generator_data_lenet5half_mnist.py \
#       --cfg-options train_dataloader.dataset.checkpoint=CPSC_CKPT \
#                     model.architecture.init_cfg.checkpoint=CPSC_CKPT \
#                     train_dataloader.dataset.teacher_ckpt=TEACHER_CKPT
# The saved checkpoints keep the full-size weights plus the channel masks
# (`mutator.units.N.mutable_channel.mask`), MMRazor's ItePruneAlgorithm format.
_base_ = [
    '../_base_/datasets/mnist_generator_data.py',
    '../_base_/models/lenet5_bn.py', '../_base_/default_runtime.py'
]
default_scope = 'mmrazor'
custom_imports = dict(imports=['mmrazor_cpsc'], allow_failed_imports=False)

student = _base_.lenet5_half
# The trained student: the 'architecture.' weights of the CPSC checkpoint
# (or of any MMRazor distillation checkpoint; prefix='' for a plain
# mmpretrain LeNet-5-half checkpoint).
student.init_cfg = dict(type='Pretrained', checkpoint=_base_.cpsc_checkpoint,
                        prefix='architecture.')

model = dict(
    _scope_='mmrazor',
    type='ItePruneAlgorithm',
    data_preprocessor={{_base_.mnist_preprocessor}},
    architecture=student,
    mutator_cfg=dict(
        type='ChannelMutator',
        channel_unit_cfg=dict(
            type='L1MutableChannelUnit',
            default_args=dict(choice_mode='ratio')),
        # LeNet5BN takes one 32x32 channel; the autograd-based tracer needs
        # no fx tracing of the model.
        parse_cfg=dict(
            type='ChannelAnalyzer', demo_input=(1, 1, 32, 32),
            tracer_type='BackwardTracer')),
    # Keep half of the channels of conv2, conv3 and the penultimate fc
    # (unit names: `model.mutator.mutable_units`); conv1 (3 channels) stays.
    target_pruning_ratio={
        'backbone.features.4_(0, 8)_8': 0.5,
        'backbone.features.8_(0, 60)_60': 0.5,
        'backbone.fc.0_(0, 42)_42': 0.5,
    },
    # Prune in two steps (75 %, then 50 % kept), at the start of the first
    # two epochs; the remaining epochs fine-tune the pruned network.
    step_freq=1,
    prune_times=2,
    linear_schedule=True)

# Fine-tuning uses the classifier's own cross-entropy, so the images carry
# the teacher's predictions as labels, not the classes the generator was
# asked for: CPSC's adversarial objective leaves many images outside their
# class (about half for the MNIST generator), and fine-tuning on those hard
# labels takes the pruned student from 98 % to 15-28 %.
train_dataloader = dict(
    batch_size=256,
    num_workers=0,
    dataset=dict(
        _base_.generator_dataset,
        label_source='teacher',
        teacher=_base_.lenet5_bn,
        teacher_ckpt='work_dirs/demo/teacher/epoch_4.pth'),
    sampler=dict(type='DefaultSampler', shuffle=True))

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4))
param_scheduler = dict(type='CosineAnnealingLR', by_epoch=True, eta_min=1e-4)
# ItePruneAlgorithm counts `step_freq` in epochs when max_epochs != 1.
train_cfg = dict(by_epoch=True, max_epochs=6, val_interval=1)
val_cfg = dict()
test_cfg = dict()
