# The real Tiny-ImageNet validation set (10,000 images, 64x64 RGB, 200 classes)
# for validation and testing, read by mmpretrain's CustomDataset from one
# sub-folder per class (class index = position of the WordNet id in sorted
# order, as with torchvision's ImageFolder on train/):
#   data/tiny-imagenet-200/
#   |-- wnids.txt
#   |-- train/n01443537/images/*.JPEG ...   (not read: training is data-free)
#   `-- val/
#       |-- n01443537/val_*.JPEG            (50 images per class)
#       |-- ...                             (200 class folders, no others)
# The official zip ships val/ flat (val/images/*.JPEG + val_annotations.txt);
# sort it into class folders once (configs/cpsc/README.md has the commands)
# and remove the emptied val/images, or CustomDataset would count `images` as
# a 201st class (plain files such as val_annotations.txt are ignored).
tiny_imagenet_root = 'data/tiny-imagenet-200'
# Usual Tiny-ImageNet RGB statistics (0.4802, 0.4481, 0.3975) /
# (0.2302, 0.2265, 0.2262) x 255; the teacher must have been trained with the
# same normalisation. The generator emits images directly in this normalised
# space, so this only affects validation.
tiny_imagenet_preprocessor = dict(
    type='mmpretrain.ClsDataPreprocessor',
    mean=[122.451, 114.2655, 101.3625],
    std=[58.701, 57.7575, 57.681],
    to_rgb=True,  # LoadImageFromFile decodes to BGR
    num_classes=200)
tiny_imagenet_test_pipeline = [
    dict(type='mmpretrain.LoadImageFromFile'),
    dict(type='mmpretrain.PackInputs'),
]
val_dataloader = dict(
    batch_size=500,
    num_workers=4,
    dataset=dict(
        type='mmpretrain.CustomDataset', data_root=tiny_imagenet_root,
        data_prefix='val', with_label=True,
        pipeline=tiny_imagenet_test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False))
val_evaluator = dict(type='mmpretrain.Accuracy', topk=(1, 5))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
