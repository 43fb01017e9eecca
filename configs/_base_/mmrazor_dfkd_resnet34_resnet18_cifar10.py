# What MMRazor's three published CIFAR-10 data-free configs (DAFL, DFAD, ZSKT;
# ResNet-34 -> ResNet-18) share, rewritten for this stack: mmpretrain-scoped
# models written out (upstream: `mmcls::` cfg_paths with pretrained=True and
# a URL checkpoint, neither of which works offline or with mmpretrain), the
# teacher from a local file, and no CIFAR training set: DataFreeDataset yields
# the batch structure. Validation on the real CIFAR-10 test set.
_base_ = [
    './cpsc_runtime.py', './datasets/cifar10.py', './models/resnet_cifar10.py'
]
model = dict(
    _scope_='mmrazor',
    data_preprocessor={{_base_.cifar10_preprocessor}},
    architecture={{_base_.resnet18_cifar10}},
    # Supplied by you: an mmpretrain ResNet-34 CIFAR-10 checkpoint, e.g.
    # mmpretrain's resnet34_b16x8_cifar10_20210528-a8aa36a6.pth downloaded
    # beforehand; override with --cfg-options model.teacher_ckpt=
    teachers=dict(
        res34=dict(build_cfg={{_base_.resnet34_cifar10}},
                   ckpt_path='checkpoints/resnet34_cifar10.pth')))

# Children set train_dataloader.batch_size (upstream's per-GPU batch).
train_dataloader = dict(
    num_workers=0,
    dataset=dict(type='DataFreeDataset', num_classes=10),
    sampler=dict(type='InfiniteSampler', shuffle=False))
