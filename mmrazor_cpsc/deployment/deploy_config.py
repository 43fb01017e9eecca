"""The student of a distillation config as an mmpretrain config that
classifies image files with mmpretrain's ``ImageClassificationInferencer``,
and the class names and input size it needs."""
from __future__ import annotations

import copy
from typing import Dict, List, Optional

from mmengine.config import Config
from torch import nn

from ..utils.config_checks import ConfigError

# The one transform name mmpretrain's ImageClassificationInferencer removes
# from a test pipeline (it reads the file itself, with mmcv's imread, as
# three BGR channels); any other spelling, 'mmpretrain.LoadImageFromFile'
# included, stays and loads the already loaded image again.
INFERENCER_LOAD = 'LoadImageFromFile'


def _innermost_dataset(dataset_cfg: Dict) -> Dict:
    """The dataset that owns the pipeline (wrappers such as HeldOutSplit
    keep theirs under ``dataset``)."""
    while 'pipeline' not in dataset_cfg and isinstance(
            dataset_cfg.get('dataset'), dict):
        dataset_cfg = dataset_cfg['dataset']
    return dataset_cfg


def _type_name(transform: Dict) -> str:
    """'LoadImageFromFile' for 'mmpretrain.LoadImageFromFile' and the like."""
    kind = transform.get('type')
    name = kind if isinstance(kind, str) else getattr(kind, '__name__', '')
    return name.rsplit('.', 1)[-1]


def dataset_class_names(cfg: Config) -> List[str]:
    """Class names of the config's test set: its ``metainfo`` when set, else
    the dataset class's own (mmpretrain's MNIST, CIFAR10, ...).

    Raises:
        ConfigError: when neither names them.
    """
    from mmpretrain.registry import DATASETS
    dataset = _innermost_dataset(cfg.test_dataloader.dataset)
    classes = (dataset.get('metainfo') or {}).get('classes')
    if classes is None:
        dataset_cls = DATASETS.get(dataset['type'])
        classes = getattr(dataset_cls, 'METAINFO', {}).get('classes')
    if not classes:
        raise ConfigError(
            f"cannot tell the class names of test dataset {dataset['type']!r}"
            ': set test_dataloader.dataset.metainfo=dict(classes=[...]).')
    return list(classes)


def input_channels(model: nn.Module) -> int:
    """Image channels ``model`` takes: its first ``Conv2d``'s input."""
    first = next((m for m in model.modules() if isinstance(m, nn.Conv2d)),
                 None)
    if first is None:
        raise ConfigError('the student has no Conv2d: cannot tell how many '
                          'image channels it takes.')
    return first.in_channels


def build_classifier(model_cfg: Dict) -> nn.Module:
    """An mmpretrain classifier from its config dict (copied, not consumed)."""
    from mmpretrain.registry import MODELS
    return MODELS.build(copy.deepcopy(model_cfg))


def inferencer_pipeline(pipeline: List[Dict], channels: int,
                        preprocessor: Dict) -> List[Dict]:
    """A test pipeline that gives the same pixels from an image file read by
    ``ImageClassificationInferencer`` as ``pipeline`` gave in the test.

    The inferencer loads every file as three BGR channels and drops a
    transform typed exactly ``'LoadImageFromFile'``. So a file-loading
    pipeline gets that transform under that exact name, with no options
    (what the inferencer does in its place), and a one-channel student gets
    :class:`ToGrayscale` after it (a grey file comes back unchanged). A
    pipeline of an in-memory dataset (mmpretrain's MNIST and CIFAR classes)
    gets the same first steps; its three-channel arrays are RGB, so
    ``preprocessor['to_rgb']`` is set (in place) for the BGR files.

    Args:
        pipeline: the test pipeline of the distillation config (not changed).
        channels: image channels the student takes (1 or 3).
        preprocessor: the student's data preprocessor config.

    Returns:
        list[dict]: the pipeline to write into the deploy config.
    """
    pipeline = copy.deepcopy(list(pipeline))
    loads = [i for i, t in enumerate(pipeline)
             if _type_name(t) == INFERENCER_LOAD]
    if len(loads) > 1:
        raise ConfigError(
            f'the test pipeline loads the image {len(loads)} times: keep one '
            'LoadImageFromFile in test_dataloader.dataset.pipeline.')
    rest = [t for i, t in enumerate(pipeline) if i not in loads]
    rest = [t for t in rest if _type_name(t) != 'ToGrayscale']
    head = [dict(type=INFERENCER_LOAD)]
    if channels == 1:
        head.append(dict(type='ToGrayscale'))
    elif channels == 3 and not loads:
        preprocessor['to_rgb'] = True
    return head + rest


def student_deploy_config(cfg: Config) -> Config:
    """An mmpretrain config of the student alone, for image files.

    ``model`` is the distillation config's ``model.architecture`` with the
    algorithm's data preprocessor; the test pipeline is the config's, made
    to accept what the inferencer reads from an image file
    (:func:`inferencer_pipeline`); ``dataset_meta.classes`` are the test
    set's class names.

    Args:
        cfg: the distillation config the student was trained with.

    Returns:
        Config: ready to ``dump`` and to give to
        ``ImageClassificationInferencer``.
    """
    student = cfg.model.get('architecture')
    if not isinstance(student, dict) or 'type' not in student:
        raise ConfigError(
            'model.architecture must be a classifier config dict with a '
            '`type` to export the student, got '
            f'{type(student).__name__}.')
    preprocessor = copy.deepcopy(cfg.model.get('data_preprocessor') or {})
    dataset = _innermost_dataset(cfg.test_dataloader.dataset)
    channels = input_channels(build_classifier(student))
    pipeline = inferencer_pipeline(dataset.get('pipeline', []), channels,
                                   preprocessor)
    model = dict(copy.deepcopy(student), data_preprocessor=preprocessor)
    return Config(dict(
        default_scope='mmpretrain',
        custom_imports=dict(imports=['mmrazor_cpsc'],
                            allow_failed_imports=False),
        model=model,
        test_dataloader=dict(dataset=dict(type='CustomDataset',
                                          pipeline=pipeline)),
        dataset_meta=dict(classes=dataset_class_names(cfg))))


def image_size_of(cfg: Config, default: Optional[int] = None) -> int:
    """The square input size the student is trained on: the generator's
    ``img_size`` (data-free configs), else ``default``."""
    size = (cfg.model.get('generator') or {}).get('img_size', default)
    if size is None:
        raise ConfigError('cannot tell the input size: pass --image-size.')
    return int(size)
