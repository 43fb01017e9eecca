"""Safe loading of teacher checkpoints (which may come from strangers)."""
from __future__ import annotations

import os
import pickle
import re
from collections import OrderedDict
from typing import Dict, List, Optional, Tuple
from urllib.parse import urlparse

import torch
from torch import nn

from ..compat import safe_mmengine_checkpoint_loading
from .training_data_meta import META_KEY, normalization_of


class TeacherCheckpointError(ValueError):
    """A checkpoint (of a teacher, or a generator) is missing, unsafe,
    unreadable or does not fit its model."""


_ANSI = re.compile(r'\x1b\[[0-9;]*m')


def _refused_global(message: str) -> str:
    """What PyTorch's weights-only loader refused, in plain words: the global
    its (long, ANSI-coloured) message names, or its reason when it names
    none."""
    message = _ANSI.sub('', message)
    found = re.search(r'GLOBAL ([\w.]+)', message)
    if found:
        return f'its pickle stream asks for `{found.group(1)}`'
    reason = re.search(r'WeightsUnpickler error: ([^\n]+)', message)
    return ('its pickle stream holds objects other than weights'
            + (f' ({reason.group(1).strip()})' if reason else ''))


URL_SCHEMES = ('http://', 'https://')
MODEL_ZOO_SCHEMES = ('open-mmlab://', 'openmmlab://', 'mmcls://')


def _model_zoo_url(name: str) -> str:
    """The http(s) URL behind an mmengine model-zoo name
    (``open-mmlab://NAME``, ``mmcls://NAME``), from mmengine's own tables."""
    from mmengine.runner.checkpoint import (get_external_models,
                                            get_mmcls_models)
    scheme, key = name.split('://', 1)
    table = get_mmcls_models() if scheme == 'mmcls' else get_external_models()
    if key not in table:
        raise TeacherCheckpointError(
            f'{name!r} is not in mmengine\'s model zoo table ({len(table)} '
            'names, e.g. ' + ', '.join(sorted(table)[:3]) + '). Check the '
            'name, or pass a URL or a file.')
    return table[key]


def fetch_checkpoint(path: str) -> str:
    """A local file for ``path``: a file path as it is; an ``http(s)://``
    URL or an mmengine model-zoo name downloaded once into the cache that
    mmengine and ``torch.hub`` use (``<torch hub dir>/checkpoints``, the
    file name of the URL; a ``NAME-<sha256 prefix>.pth`` name is checked
    against its hash). Nothing is unpickled here."""
    if path.startswith(MODEL_ZOO_SCHEMES):
        path = _model_zoo_url(path)
    if not path.startswith(URL_SCHEMES):
        return path
    name = os.path.basename(urlparse(path).path)
    if not name:
        raise TeacherCheckpointError(
            f'{path!r} names no file; give the URL of the checkpoint itself.')
    cache = os.path.join(torch.hub.get_dir(), 'checkpoints')
    cached = os.path.join(cache, name)
    if not os.path.isfile(cached):
        os.makedirs(cache, exist_ok=True)
        found = re.search(r'-([a-f0-9]{8,})\.', name)
        try:
            torch.hub.download_url_to_file(
                path, cached, found.group(1) if found else None,
                progress=False)
        except Exception as err:  # HTTP errors, no network, hash mismatch
            raise TeacherCheckpointError(
                f'Cannot download {path!r}: {type(err).__name__}: {err}. '
                'Check the URL and the network, or download the file '
                'yourself and pass its path.') from None
    return cached


def read_state_dict(path: str,
                    role: str = 'teacher') -> Dict[str, torch.Tensor]:
    """The state dict of :func:`read_checkpoint`."""
    return read_checkpoint(path, role)[0]


# torch.nn.Module's key for what `get_extra_state` returns.
EXTRA_STATE_SUFFIX = '_extra_state'


def read_checkpoint(path: str, role: str = 'teacher'
                    ) -> Tuple[Dict[str, torch.Tensor], Dict]:
    """Read a state dict and its ``meta`` (empty for a plain state dict)
    with PyTorch's weights-only loader.

    ``path`` is a file, an ``http(s)://`` URL or an mmengine model-zoo name
    (``open-mmlab://...``), downloaded and cached by :func:`fetch_checkpoint`.

    Accepts a plain ``state_dict`` file or an mmengine checkpoint
    (``{'state_dict': ..., 'meta': ..., 'message_hub': ...}``). A file whose
    pickle stream asks for anything but tensors, containers and mmengine's
    logging buffers is refused before any of it runs.

    Raises:
        TeacherCheckpointError: with the file name and what to do.
    """
    path = fetch_checkpoint(path)
    if not os.path.isfile(path):
        raise TeacherCheckpointError(
            f'{role.capitalize()} checkpoint {path!r} does not exist. Check the '
            'path (for a teacher: train it first, see README, or pass '
            '--cfg-options model.teacher_ckpt=PATH).')
    try:
        with safe_mmengine_checkpoint_loading():
            checkpoint = torch.load(path, map_location='cpu', weights_only=True)
    except pickle.UnpicklingError as err:
        raise TeacherCheckpointError(
            f'Refusing to load {role} checkpoint {path!r}: '
            f'{_refused_global(str(err))}, which is neither a weight nor '
            "mmengine's training metadata, and unpickling it could run code. "
            'If you trust the file, re-save its weights as a plain state '
            "dict: torch.save(torch.load(path, weights_only=False)"
            "['state_dict'], path) (drop ['state_dict'] if the file is "
            'already one).') from None
    except Exception as err:  # corrupt zip, truncated file, not a checkpoint
        raise TeacherCheckpointError(
            f'Cannot read {role} checkpoint {path!r}: {type(err).__name__}: '
            f'{err}. The file is corrupt or not a PyTorch checkpoint.') from None
    meta = {}
    if isinstance(checkpoint, dict) and 'state_dict' in checkpoint:
        meta = checkpoint.get('meta') or {}
        checkpoint = checkpoint['state_dict']
    if isinstance(checkpoint, dict):
        # A module's extra state (torch's `get_extra_state`, e.g. a
        # SyntheticReplayBank's stored samples) is state, not weights: the
        # Runner restores it on resume; readers of weights skip it.
        checkpoint = OrderedDict(
            (k, v) for k, v in checkpoint.items()
            if not (k.endswith(EXTRA_STATE_SUFFIX)
                    and not isinstance(v, torch.Tensor)))
    if not isinstance(checkpoint, dict) or not all(
            isinstance(v, torch.Tensor) for v in checkpoint.values()):
        raise TeacherCheckpointError(
            f'{role.capitalize()} checkpoint {path!r} holds no state dict of '
            'tensors '
            f'(found {type(checkpoint).__name__}).')
    prefix = 'module.'
    if checkpoint and all(k.startswith(prefix) for k in checkpoint):
        checkpoint = OrderedDict((k[len(prefix):], v)
                                 for k, v in checkpoint.items())
    return checkpoint, meta


def weights_sha256(path: str, length: int = 16) -> str:
    """The first ``length`` hex digits of a sha256 over a checkpoint's
    weights (names and bytes, in name order), not over the file, which also
    carries timestamps and optimizer state: two files hash the same iff they
    hold the same weights, so a benchmark continued elsewhere can prove it
    distils the teacher its first runs distilled."""
    import hashlib

    digest = hashlib.sha256()
    for key, value in sorted(read_state_dict(path).items()):
        digest.update(key.encode())
        digest.update(value.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()[:length]


def sub_state_dict(state_dict: Dict[str, torch.Tensor],
                   prefix: str) -> Dict[str, torch.Tensor]:
    """The entries under ``prefix`` (prefix removed); all when none match."""
    if not any(k.startswith(prefix) for k in state_dict):
        return state_dict
    return OrderedDict((k[len(prefix):], v) for k, v in state_dict.items()
                       if k.startswith(prefix))


def load_state_dict_exactly(model: nn.Module, state_dict: Dict[str,
                                                               torch.Tensor],
                            path: str, role: str) -> None:
    """Load strictly; on any mismatch name the keys and shapes involved."""
    own = model.state_dict()
    missing = sorted(set(own) - set(state_dict))
    unexpected = sorted(set(state_dict) - set(own))
    mismatched = sorted(
        f'{k}: checkpoint {tuple(state_dict[k].shape)} vs model '
        f'{tuple(own[k].shape)}' for k in set(own) & set(state_dict)
        if state_dict[k].shape != own[k].shape)
    if missing or unexpected or mismatched:
        def show(keys):
            return ', '.join(keys[:8]) + (' ...' if len(keys) > 8 else '')

        raise TeacherCheckpointError(
            f'Checkpoint {path!r} does not fit the {role} '
            f'{type(model).__name__}: {len(missing)} missing keys [{show(missing)}]'
            f'; {len(unexpected)} unexpected keys [{show(unexpected)}]; '
            f'{len(mismatched)} shape mismatches [{show(mismatched)}]. Check '
            f'that the {role} config describes the architecture the '
            'checkpoint was trained with.')
    model.load_state_dict(state_dict, strict=True)


def load_teacher_checkpoint(model: nn.Module, path: str) -> Dict:
    """Load ``path`` into ``model`` strictly, explaining any mismatch;
    returns the checkpoint's ``meta`` (what it was trained on, where
    recorded)."""
    state_dict, meta = read_checkpoint(path, 'teacher')
    parts = distillation_parts(state_dict)
    if parts:
        raise TeacherCheckpointError(
            f'{path!r} is a checkpoint of a whole distillation run (it holds '
            f'{", ".join(parts)}), not a teacher. To teach with its student, '
            'extract the student first: python tools/'
            f'convert_student_checkpoint.py {path} student.pth (or `mim run '
            'mmrazor_cpsc convert_student_checkpoint ...`), then pass '
            'student.pth as the teacher.')
    load_state_dict_exactly(model, state_dict, path, 'teacher')
    return meta


# The sub-modules a distillation algorithm saves (ours and MMRazor's): a
# state dict with keys under two of them is a whole run, not one network.
DISTILLATION_PARTS = ('architecture.', 'student.', 'teacher.', 'teachers.',
                      'generator.', 'distiller.')


def distillation_parts(state_dict: Dict[str, torch.Tensor]) -> List[str]:
    """The distillation sub-modules (``architecture``, ``teacher``,
    ``generator``...) STATE_DICT holds weights of, when it holds two or
    more of them (one network's own keys may start with one such name);
    an empty list otherwise."""
    found = [part.rstrip('.') for part in DISTILLATION_PARTS
             if any(key.startswith(part) for key in state_dict)]
    return found if len(found) >= 2 else []


def pretrained_weights(model_cfg: Dict) -> Optional[str]:
    """Where the weights of a ``dict(cfg_path=..., pretrained=...)`` model
    come from: ``pretrained`` itself when it is a path or URL, the model
    zoo's ``Weights`` URL of ``cfg_path`` (its package's metafile, as
    mmengine's ``get_model`` reads it) when it is True, None otherwise.

    Reading the weights through :func:`read_state_dict` instead of
    ``get_model(pretrained=True)`` keeps the weights-only loader on:
    mmengine downloads model-zoo files with ``torch.hub.load_state_dict_from_url``,
    which unpickles them fully."""
    pretrained = model_cfg.get('pretrained')
    if not pretrained or not model_cfg.get('cfg_path'):
        return None
    if isinstance(pretrained, str):
        return pretrained
    from mmengine.hub import get_config
    try:
        # Configs outside the model index come back without model_path.
        url = get_config(model_cfg['cfg_path'], pretrained=True).get(
            'model_path')
    except AssertionError:  # listed, but without Weights
        url = None
    if not url:
        raise TeacherCheckpointError(
            f"{model_cfg['cfg_path']!r} has no pretrained weights in its "
            "package's model index: pass pretrained=False and a checkpoint "
            '(teacher_ckpt), or pretrained=PATH_OR_URL.')
    return url


def check_teacher_normalization(meta: Dict, data_preprocessor,
                                teacher_ckpt: Optional[str]) -> None:
    """Refuse a teacher whose checkpoint records a normalisation (mean, std,
    channel order; ``TrainingDataMetaHook``) other than the data
    preprocessor's that will feed it: it would see every image scaled
    differently from its training, and say nothing."""
    check_recorded_normalization(meta, data_preprocessor, teacher_ckpt,
                                 'teacher_ckpt', 'the teacher')


def check_recorded_normalization(meta: Dict, data_preprocessor,
                                 path: Optional[str], what: str,
                                 model: str) -> None:
    """Raise :class:`TeacherCheckpointError` when the normalisation META
    records (``TrainingDataMetaHook``) differs from DATA_PREPROCESSOR's
    config; nothing when either says nothing.

    Args:
        meta (dict): the checkpoint's ``meta``.
        data_preprocessor (dict | None): the config's data preprocessor.
        path (str | None): the checkpoint, for the message.
        what (str): how the user gave the checkpoint (``'teacher_ckpt'``).
        model (str): what sees the images (``'the teacher'``).
    """
    import numpy as np
    recorded = (meta.get(META_KEY) or {}).get('normalization')
    current = normalization_of(data_preprocessor if isinstance(
        data_preprocessor, dict) else None)
    if not recorded or not current:
        return
    same = (len(recorded['mean']) == len(current['mean'])
            and np.allclose(recorded['mean'], current['mean'], atol=1e-2)
            and np.allclose(recorded['std'], current['std'], atol=1e-2)
            and recorded['to_rgb'] == current['to_rgb'])
    if not same:
        raise TeacherCheckpointError(
            f'{what} {path!r} was trained with mean '
            f"{recorded['mean']}, std {recorded['std']}, to_rgb "
            f"{recorded['to_rgb']}; this config's data_preprocessor has mean "
            f"{current['mean']}, std {current['std']}, to_rgb "
            f"{current['to_rgb']}, so {model} would see its images "
            'scaled differently from its training. Give model.'
            "data_preprocessor the recorded values (e.g. --cfg-options "
            f"model.data_preprocessor.mean=\"{recorded['mean']}\" "
            f"model.data_preprocessor.std=\"{recorded['std']}\").")
