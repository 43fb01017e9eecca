"""Checks on a whole config before anything is built."""
from __future__ import annotations

from typing import Any, Iterator, Tuple

MMCLS_HELP = (
    'mmcls 1.x was renamed mmpretrain: write `mmpretrain::` instead of '
    "`mmcls::` and _scope_='mmpretrain' instead of 'mmcls'. (mmengine would "
    'otherwise try to pip-install mmcls 0.x, which breaks the environment.)')


def _walk(node: Any, path: str = '') -> Iterator[Tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, f'{path}.{key}' if path else str(key))
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from _walk(value, f'{path}[{i}]')
    else:
        yield path, node


def find_mmcls_references(cfg: Any) -> list:
    """Places in a (nested) config that name the retired ``mmcls`` scope."""
    hits = []
    for path, value in _walk(cfg):
        if not isinstance(value, str):
            continue
        leaf = path.rsplit('.', 1)[-1]
        if value.startswith('mmcls::') or value.startswith('mmcls.') or (
                leaf in ('_scope_', 'default_scope') and value == 'mmcls'):
            hits.append(f'{path}={value!r}')
    return hits


def check_config_text(text: str, filename: str) -> None:
    """Refuse ``mmcls::`` before mmengine parses (and tries to install) it."""
    if 'mmcls::' in text:
        raise ValueError(f'{filename} refers to `mmcls::`. {MMCLS_HELP}')


def check_config(cfg: Any) -> None:
    """Raise a ValueError naming every ``mmcls`` reference in ``cfg``."""
    hits = find_mmcls_references(cfg)
    if hits:
        raise ValueError(f'The config names the mmcls scope at {hits}. '
                         f'{MMCLS_HELP}')
