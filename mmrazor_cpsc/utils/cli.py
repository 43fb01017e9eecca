"""Command line and config loading shared by tools/train.py, test.py, ptq.py."""
from __future__ import annotations

import argparse
import contextlib
import copy
import os
import os.path as osp
import warnings
from typing import Iterator, List, Optional

import torch
from mmengine.config import Config, DictAction

from .config_checks import (ConfigError, check_component_arguments,
                            check_config, check_config_text,
                            find_parse_time_knob_overrides)


def parse_with_launch_args(parser: argparse.ArgumentParser,
                           argv: Optional[List[str]] = None
                           ) -> argparse.Namespace:
    """Add MMRazor's --cfg-options / --launcher / --local-rank and parse.

    ``LOCAL_RANK`` is exported for launchers that pass ``--local-rank``
    instead of setting it (torch.distributed.launch).
    """
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, key=value')
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'])
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


# Set to 1 to see the full traceback of an error the tools show as one line.
TRACEBACK_ENV = 'MMRAZOR_CPSC_TRACEBACK'

# Errors the libraries we build on raise on purpose about the user's input,
# as (exception type, file the statement is in): mmcv's image loading
# asserts ``failed to load image: PATH`` for a file it cannot decode.
_UPSTREAM_INPUT_ERRORS = ((AssertionError, osp.join('mmcv', 'transforms',
                                                    'loading.py')), )
_UPSTREAM_HINTS = {
    'failed to load image': 'the file is unreadable or not an image: '
    'replace or delete it (tools/prepare_dataset.py checks every image)',
}


def _deliberate_error(error: BaseException) -> Optional[BaseException]:
    """The exception in ERROR's chain that code raised on purpose about the
    user's input, or None for a bug.

    On purpose means: a ``raise`` statement of this package (mmengine's
    registry re-raises it with the class name prepended, so the chain is
    searched for the original), or an upstream input check listed in
    ``_UPSTREAM_INPUT_ERRORS``.
    """
    import traceback
    package = osp.dirname(osp.dirname(osp.abspath(__file__)))
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        frames = traceback.extract_tb(error.__traceback__)
        if frames:
            last = frames[-1]
            ours = osp.abspath(last.filename).startswith(package + os.sep)
            if ours and (last.line or '').lstrip().startswith('raise'):
                return error
            if any(isinstance(error, kind) and last.filename.endswith(where)
                   for kind, where in _UPSTREAM_INPUT_ERRORS):
                return error
        error = error.__cause__ or error.__context__
    return None


def _one_line(error: BaseException) -> str:
    message = str(error).strip() or type(error).__name__
    for start, hint in _UPSTREAM_HINTS.items():
        if message.startswith(start):
            message = f'{message}: {hint}'
    return message


@contextlib.contextmanager
def errors_as_messages(tool: str) -> Iterator[None]:
    """Turn an error this package (or an upstream input check) raised on
    purpose into ``SystemExit``: one line, ``TOOL: message``, exit code 1,
    no traceback. It is the user's input to fix, not a bug to report.
    Anything else keeps its traceback, and so does every error when
    ``MMRAZOR_CPSC_TRACEBACK=1`` is set."""
    try:
        yield
    except ConfigError as error:
        raise SystemExit(f'{tool}: {error}') from None
    except Exception as error:  # noqa: B902 (re-raised unless deliberate)
        deliberate = _deliberate_error(error)
        if deliberate is None or os.environ.get(TRACEBACK_ENV) == '1':
            raise
        raise SystemExit(f'{tool}: {_one_line(deliberate)} (set '
                         f'{TRACEBACK_ENV}=1 for the traceback)') from None


def _downloads(dataset_cfg: dict) -> bool:
    """Whether the dataset fetches missing files itself (mmpretrain's MNIST
    and CIFAR default to ``download=True``)."""
    if 'download' in dataset_cfg:
        return bool(dataset_cfg['download'])
    import inspect

    from mmpretrain.registry import DATASETS
    cls = DATASETS.get(str(dataset_cfg.get('type', '')))
    if cls is None:
        return False
    try:
        param = inspect.signature(cls.__init__).parameters.get('download')
    except (TypeError, ValueError):
        return False
    return param is not None and param.default is True


def check_data_roots(cfg: Config, splits: List[str]) -> None:
    """Name a dataset folder that is not there (a moved or mistyped
    ``data_root``) before the Runner starts, with the key that moves it.

    Args:
        cfg (Config): the loaded config.
        splits (list[str]): the dataloaders the tool will use
            (``'train'``, ``'val'``, ``'test'``).

    Raises:
        ConfigError: a local ``data_root`` of those splits does not exist
            and its dataset does not download itself.
    """
    for split in splits:
        dataset = (cfg.get(f'{split}_dataloader') or {}).get('dataset')
        key = f'{split}_dataloader.dataset'
        while isinstance(dataset, dict):
            root = dataset.get('data_root')
            if (isinstance(root, str) and root and '://' not in root
                    and not osp.isdir(root) and not _downloads(dataset)):
                raise ConfigError(
                    f'{key}.data_root={root!r} is not a folder (relative '
                    f'paths start at {os.getcwd()}). If the dataset moved, '
                    f'point the config at it: --cfg-options '
                    f'{key}.data_root=PATH, or prepare it again with '
                    'tools/prepare_dataset.py.')
            dataset, key = dataset.get('dataset'), f'{key}.dataset'


def translate_teacher_key(cfg: Config) -> None:
    """One teacher key for every algorithm: ``model.teacher_ckpt`` (CPSC's)
    also sets the checkpoint of an MMRazor algorithm with one teacher
    (``model.teachers.NAME.ckpt_path``), so the same override works for CPSC
    and the DAFL / DFAD / ZSKT baselines."""
    model = cfg.get('model')
    if not isinstance(model, dict) or 'teacher_ckpt' not in model or \
            not isinstance(model.get('teachers'), dict):
        return
    if len(model.teachers) != 1:
        raise ConfigError(
            f'model.teacher_ckpt is ambiguous with {len(model.teachers)} '
            f'teachers ({", ".join(model.teachers)}): set '
            'model.teachers.NAME.ckpt_path for each.')
    [name] = model.teachers
    model.teachers[name].ckpt_path = model.pop('teacher_ckpt')


def _data_roots(node) -> tuple:
    """Every ``data_root`` in a dataset config, wrappers included."""
    if isinstance(node, dict):
        found = [node['data_root']] if 'data_root' in node else []
        for key, value in node.items():
            if key != 'data_root':
                found += _data_roots(value)
        return tuple(found)
    if isinstance(node, (list, tuple)):
        return tuple(root for item in node for root in _data_roots(item))
    return ()


def _val_and_test_datasets(cfg: Config) -> tuple:
    return tuple(_data_roots(copy.deepcopy((cfg.get(f'{split}_dataloader')
                                            or {}).get('dataset')))
                 for split in ('val', 'test'))


def _warn_if_val_and_test_parted(before: tuple, after: tuple) -> None:
    """A config whose validation and test sets read the same data root (the
    same images, or a held-out slice of its training split and its test
    split), of which --cfg-options moved one: say so (tools/test.py would
    evaluate the old data)."""
    if not before[0] or before[0] != before[1] or after[0] == after[1]:
        return
    changed = 'val' if after[0] != before[0] else 'test'
    other = 'test' if changed == 'val' else 'val'
    warnings.warn(
        f'--cfg-options moved {changed}_dataloader to another data_root but '
        f'not {other}_dataloader, which read the same data root in this '
        f'config: {other} still reads the old data. Override both if the '
        'data moved.', stacklevel=3)


def load_config(path: str, cfg_options: Optional[dict] = None,
                work_dir: Optional[str] = None,
                launcher: str = 'none') -> Config:
    """Read a config, apply CLI overrides, refuse the retired mmcls scope and
    set ``work_dir`` (CLI > config > ./work_dirs/<config name>)."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'Config file {path!r} does not exist.')
    with open(path, encoding='utf-8') as f:
        check_config_text(f.read(), path)
    cfg = Config.fromfile(path)
    cfg.launcher = launcher
    if cfg_options:
        knobs = find_parse_time_knob_overrides(cfg.to_dict(), cfg_options)
        if knobs:
            raise ConfigError('\n  '.join(['--cfg-options that would do '
                                           'nothing:'] + knobs))
        before = _val_and_test_datasets(cfg)
        cfg.merge_from_dict(cfg_options)
        _warn_if_val_and_test_parted(before, _val_and_test_datasets(cfg))
    translate_teacher_key(cfg)
    check_config(cfg.to_dict())
    check_component_arguments(cfg.to_dict())
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(path))[0])
    return cfg


PER_CLASS_METRIC = 'single-label/recall_classwise'


def add_per_class_accuracy(cfg: Config) -> None:
    """Add mmpretrain's class-wise recall (the accuracy on each class's
    images, in class order) to the test evaluator; it reports under
    ``PER_CLASS_METRIC``."""
    metric = dict(type='mmpretrain.SingleLabelMetric', items=('recall', ),
                  average=None)

    def extended(metrics):
        return ([*metrics, metric] if isinstance(metrics, (list, tuple))
                else [metrics, metric])

    evaluator = cfg.test_evaluator
    if isinstance(evaluator, dict) and 'metrics' in evaluator:
        evaluator['metrics'] = extended(evaluator['metrics'])  # Evaluator cfg
    else:
        cfg.test_evaluator = extended(evaluator)


def per_class_report(metrics: dict, classes: List[str]) -> str:
    """The class-wise accuracy of METRICS (``PER_CLASS_METRIC``, in class
    order) as a table with the class names, one class per line."""
    recalls = [float(v) for v in metrics[PER_CLASS_METRIC]]
    if len(recalls) != len(classes):
        raise ConfigError(
            f'the test set names {len(classes)} classes but the metric has '
            f'{len(recalls)} values: the config\'s classes do not match its '
            'data.')
    width = max(len(str(name)) for name in classes)
    lines = [f'{"class":<{width}}  accuracy (%)']
    lines += [f'{name:<{width}}  {recall:6.2f}'
              for name, recall in zip(classes, recalls)]
    return '\n'.join(lines)


def check_checkpoint_normalization(cfg: Config, checkpoint: str) -> None:
    """Refuse to test CHECKPOINT under a config whose data preprocessor
    normalises images otherwise than the run that wrote it (as recorded by
    ``TrainingDataMetaHook``): every score would be of wrongly scaled
    images."""
    from .checkpoint import check_recorded_normalization, read_checkpoint
    _, meta = read_checkpoint(checkpoint, 'checkpoint')
    preprocessor = (cfg.get('model') or {}).get('data_preprocessor') or \
        cfg.get('data_preprocessor')
    check_recorded_normalization(meta, preprocessor, checkpoint,
                                 'checkpoint', 'the model')


def add_prediction_dump(cfg: Config, path: str) -> None:
    """``test.py --out``: also dump every prediction (mmengine's
    ``DumpResults``: a pickled list, one dict per test image)."""
    if not path.endswith(('.pkl', '.pickle')):
        raise ConfigError(f'--out {path}: predictions are pickled; name the '
                          'file *.pkl.')
    evaluators = cfg.test_evaluator
    if not isinstance(evaluators, (list, tuple)):
        evaluators = [evaluators]
    cfg.test_evaluator = list(evaluators) + [
        dict(type='DumpResults', out_file_path=path)]


def check_load_from(cfg: Config) -> None:
    """Name a missing ``load_from`` file before the Runner builds anything."""
    path = cfg.get('load_from', None)
    if path and '://' not in str(path) and not osp.isfile(path):
        raise FileNotFoundError(
            f'load_from {path!r} does not exist. Train the model it refers '
            'to first, or point the config at your checkpoint: '
            '--cfg-options load_from=PATH.')


def enable_amp(cfg: Config) -> None:
    """Switch every optimiser wrapper (one, or one per part) to AMP; on a
    machine without CUDA say at once that ``--amp`` needs one."""
    if not torch.cuda.is_available():
        raise ConfigError(
            '--amp needs a CUDA GPU (mmengine\'s AmpOptimWrapper), and this '
            'machine has none. Drop --amp: on CPU the CIFAR-10 configs '
            'already run bfloat16 autocast (CPUAutocastOptimWrapper).')
    optim = cfg.optim_wrapper
    wrappers = ([v for k, v in optim.items() if isinstance(v, dict)]
                if optim.get('constructor') else [optim])
    for wrapper in wrappers:
        if wrapper.get('type', 'OptimWrapper') == 'OptimWrapper':
            wrapper['type'] = 'AmpOptimWrapper'
            wrapper['loss_scale'] = 'dynamic'


def _is_complete_checkpoint(path: str) -> bool:
    """A torch zip checkpoint whose central directory is intact.

    A process killed while writing leaves a truncated file; the zip central
    directory sits at the end, so a truncated file fails this check.
    """
    import zipfile
    try:
        with zipfile.ZipFile(path) as archive:
            return any(n.endswith('data.pkl') for n in archive.namelist())
    except (OSError, zipfile.BadZipFile):
        return False


def find_resumable_checkpoint(work_dir: str) -> Optional[str]:
    """The newest complete checkpoint in ``work_dir``, or None.

    Prefers the one ``last_checkpoint`` names; falls back to the newest
    complete ``iter_*.pth`` / ``epoch_*.pth`` when the pointer is empty,
    dangling or names a partial file (a kill during a save).
    """
    import glob
    import re
    pointer = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(pointer):
        with open(pointer, encoding='utf-8') as f:
            named = f.read().strip()
        if named and osp.isfile(named) and _is_complete_checkpoint(named):
            return named
    candidates = []
    for path in glob.glob(osp.join(work_dir, '*.pth')):
        match = re.fullmatch(r'(iter|epoch)_(\d+)\.pth', osp.basename(path))
        if match:
            candidates.append((int(match.group(2)), path))
    for _, path in sorted(candidates, reverse=True):
        if _is_complete_checkpoint(path):
            return path
    return None


def use_resume_checkpoint(cfg: Config, path: str) -> None:
    """``--resume CHECKPOINT``: resume from that file, named when it is
    missing or incomplete (a kill during a save)."""
    if not osp.isfile(path):
        raise ConfigError(f'--resume {path}: no such checkpoint. Without a '
                          'path, --resume picks the newest complete one in '
                          'the work dir.')
    if not _is_complete_checkpoint(path):
        raise ConfigError(f'--resume {path}: the file is incomplete or not '
                          'a PyTorch checkpoint (interrupted save?); pick '
                          'another, or --resume alone for the newest '
                          'complete one.')
    cfg.load_from = path


def enable_auto_scale_lr(cfg: Config) -> None:
    """``--auto-scale-lr``: mmengine scales every optimiser's LR by the
    total batch size (batch x processes) over ``auto_scale_lr.
    base_batch_size``, which the config must name."""
    if not (cfg.get('auto_scale_lr') or {}).get('base_batch_size'):
        raise ConfigError(
            '--auto-scale-lr needs the batch size the config\'s LRs were '
            'tuned for: add auto_scale_lr = dict(base_batch_size=N) to the '
            'config (or --cfg-options auto_scale_lr.base_batch_size=N).')
    cfg.auto_scale_lr.enable = True


def resolve_resume(cfg: Config) -> None:
    """Make ``--resume`` start from the newest complete checkpoint."""
    from mmengine.logging import print_log
    if cfg.get('load_from'):
        return  # an explicit checkpoint wins, as in mmengine
    path = find_resumable_checkpoint(cfg.work_dir)
    if path is None:
        print_log(f'--resume: no complete checkpoint in {cfg.work_dir}; '
                  'training starts from scratch.', logger='current',
                  level=30)
        return
    cfg.load_from = path
    print_log(f'--resume: resuming from {path}', logger='current')
