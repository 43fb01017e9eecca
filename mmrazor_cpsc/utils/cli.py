"""Config loading shared by tools/train.py and tools/test.py."""
from __future__ import annotations

import os.path as osp
from typing import Optional

from mmengine.config import Config

from .config_checks import check_config, check_config_text


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
        cfg.merge_from_dict(cfg_options)
    check_config(cfg.to_dict())
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(path))[0])
    return cfg


def enable_amp(cfg: Config) -> None:
    """Switch every optimiser wrapper (one, or one per part) to AMP."""
    optim = cfg.optim_wrapper
    wrappers = ([v for k, v in optim.items() if isinstance(v, dict)]
                if optim.get('constructor') else [optim])
    for wrapper in wrappers:
        if wrapper.get('type', 'OptimWrapper') == 'OptimWrapper':
            wrapper['type'] = 'AmpOptimWrapper'
            wrapper['loss_scale'] = 'dynamic'
