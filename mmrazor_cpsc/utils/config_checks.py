"""Checks on a whole config before anything is built."""
from __future__ import annotations

import difflib
import inspect
import re
from typing import Any, Dict, Iterator, List, Optional, Tuple

import torch

MMCLS_HELP = (
    'mmcls 1.x was renamed mmpretrain: write `mmpretrain::` instead of '
    "`mmcls::` and _scope_='mmpretrain' instead of 'mmcls'. (mmengine would "
    'otherwise try to pip-install mmcls 0.x, which breaks the environment.)')


class ConfigError(ValueError):
    """A config that cannot work, named with its fix; the tools print it as
    a one-line-per-problem message instead of a traceback."""


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
        raise ConfigError(f'{filename} refers to `mmcls::`. {MMCLS_HELP}')


def check_config(cfg: Any) -> None:
    """Raise a ValueError naming every ``mmcls`` reference in ``cfg``."""
    hits = find_mmcls_references(cfg)
    if hits:
        raise ConfigError(f'The config names the mmcls scope at {hits}. '
                          f'{MMCLS_HELP}')


# Keys a builder consumes before it calls the registered class.
_CONSUMED_BY_BUILDER = {'type', '_scope_'}
# (group key in a distiller, registry name, suffix the distiller appends to
# the type): MMRazor's recorder manager builds ``type + 'Recorder'``.
_DISTILLER_GROUPS = (('distill_losses', 'MODELS', ''),
                     ('connectors', 'MODELS', ''),
                     ('student_recorders', 'TASK_UTILS', 'Recorder'),
                     ('teacher_recorders', 'TASK_UTILS', 'Recorder'))


def _components(cfg: Dict) -> Iterator[Tuple[str, Dict, Any, str, str]]:
    """The component dicts whose mistakes are checked, as (path, dict,
    registry, type suffix, scope): the algorithm and its parts, distiller
    losses, connectors and recorders, the loops, custom hooks and samplers.
    Deeper dicts (init_cfg, mutator and pipeline settings) are left to the
    builders that read them."""
    from mmrazor import registry

    def scoped(node: Dict, scope: str) -> str:
        return node.get('_scope_', scope)

    top_scope = cfg.get('default_scope') or 'mmrazor'
    model = cfg.get('model')
    if isinstance(model, dict):
        scope = scoped(model, top_scope)
        yield 'model', model, registry.MODELS, '', scope
        parts = [(f'model.{key}', model.get(key))
                 for key in ('architecture', 'teacher', 'generator')]
        parts += [(f'model.teachers.{name}.build_cfg',
                   teacher.get('build_cfg'))
                  for name, teacher in (model.get('teachers') or {}).items()
                  if isinstance(teacher, dict)]
        for path, part in parts:
            if isinstance(part, dict):
                yield path, part, registry.MODELS, '', scoped(part, scope)
        for key in ('distiller', 'generator_distiller'):
            distiller = model.get(key)
            if not isinstance(distiller, dict):
                continue
            yield (f'model.{key}', distiller, registry.MODELS, '',
                   scoped(distiller, scope))
            for group, registry_name, suffix in _DISTILLER_GROUPS:
                for name, part in (distiller.get(group) or {}).items():
                    if isinstance(part, dict):
                        yield (f'model.{key}.{group}.{name}', part,
                               getattr(registry, registry_name), suffix,
                               scoped(part, scope))
    for key in ('train_cfg', 'val_cfg', 'test_cfg'):
        loop = cfg.get(key)
        if isinstance(loop, dict):
            yield key, _with_implicit_loop_type(key, loop), registry.LOOPS, \
                '', top_scope
    for i, hook in enumerate(cfg.get('custom_hooks') or []):
        if isinstance(hook, dict):
            yield f'custom_hooks[{i}]', hook, registry.HOOKS, '', top_scope
    for split in ('train', 'val', 'test'):
        dataset = (cfg.get(f'{split}_dataloader') or {}).get('dataset')
        path = f'{split}_dataloader.dataset'
        while isinstance(dataset, dict):
            yield path, dataset, registry.DATASETS, '', scoped(dataset,
                                                              top_scope)
            dataset, path = dataset.get('dataset'), f'{path}.dataset'
        sampler = (cfg.get(f'{split}_dataloader') or {}).get('sampler')
        if isinstance(sampler, dict):
            yield (f'{split}_dataloader.sampler', sampler,
                   registry.DATA_SAMPLERS, '', top_scope)


def _with_implicit_loop_type(key: str, loop: Dict) -> Dict:
    """LOOP with the ``type`` mmengine's Runner picks when it has none
    (``by_epoch=True`` -> EpochBasedTrainLoop, else IterBasedTrainLoop;
    ValLoop, TestLoop), so its arguments are checked like any loop's."""
    if 'type' in loop:
        return loop
    if key == 'train_cfg':
        loop_type = ('EpochBasedTrainLoop' if loop.get('by_epoch')
                     else 'IterBasedTrainLoop')
        # The Runner pops by_epoch before building the loop.
        loop = {k: v for k, v in loop.items() if k != 'by_epoch'}
    else:
        loop_type = 'ValLoop' if key == 'val_cfg' else 'TestLoop'
    return dict(loop, type=loop_type)


def accepted_arguments(cls: Any) -> Optional[List[str]]:
    """The keyword arguments ``cls(...)`` accepts, following ``**kwargs``
    up the class hierarchy (OpenMMLab classes forward them to their base,
    and ``object`` takes none); None when it cannot be told (a signature
    that cannot be read, a registered function with ``**kwargs``)."""
    # torch's Module takes ``**kwargs`` only to refuse them.
    inits = ([klass.__dict__['__init__'] for klass in cls.__mro__
              if '__init__' in klass.__dict__
              and klass not in (object, torch.nn.Module)]
             if isinstance(cls, type) else [cls])
    refusing_base = isinstance(cls, type) and issubclass(cls, torch.nn.Module)
    names: List[str] = []
    for init in inits:
        try:
            params = list(inspect.signature(init).parameters.values())
        except (TypeError, ValueError):
            return None
        names += [p.name for p in params if p.kind in (
            p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name != 'self']
        if not any(p.kind is p.VAR_KEYWORD for p in params):
            return names
    # Forwarded all the way up. To torch's Module they are refused; a chain
    # ending at object keeps them in its last class (mmengine's EMAHook hands
    # its own to the averaged model it builds), so anything may be valid.
    return names if refusing_base else None


def _suggest(word: str, choices: List[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else '.'


def find_argument_mistakes(cfg: Dict) -> List[str]:
    """Every checked component dict of ``cfg`` (see :func:`_components`)
    whose ``type`` is unknown to its registry while a registered name is
    close, or that passes an argument its class does not take: one message
    each, with the fix."""
    mistakes: List[str] = []
    for path, node, registry, suffix, scope in _components(cfg):
        type_name = node.get('type')
        if not isinstance(type_name, str):
            continue
        full_name = (type_name if type_name.endswith(suffix) else
                     type_name + suffix)
        with registry.switch_scope_and_registry(scope) as scoped:
            cls = scoped.get(full_name)
            known = sorted(set(scoped.module_dict) | set(registry.module_dict))
        if cls is None:
            short = [name[:len(name) - len(suffix)] if suffix and
                     name.endswith(suffix) else name for name in known]
            hint = _suggest(type_name.split('.')[-1], short)
            if hint != '.':
                mistakes.append(f'{path}.type={type_name!r} is not a '
                                f'registered {registry.name}{hint}')
            continue
        accepted = accepted_arguments(cls)
        if accepted is None:
            continue
        accepted = list(dict.fromkeys(accepted))
        for key in node:
            if key not in accepted and key not in _CONSUMED_BY_BUILDER:
                mistakes.append(_unknown_argument(path, node, cls, key,
                                                  accepted))
    return mistakes


def _unknown_argument(path: str, node: Dict, cls: Any, key: str,
                      accepted: List[str]) -> str:
    """The message for KEY, which CLS (built from NODE at PATH) does not
    take; a wrapper (``HeldOutSplit``...) whose inner ``dataset`` holds the
    key is named with the key that reaches it."""
    inner = node.get('dataset')
    if isinstance(inner, dict) and 'dataset' in accepted:
        return (f'{path}.{key}: {cls.__name__} wraps another dataset and '
                f'takes no {key!r}; set it on the dataset it wraps: '
                f'{path}.dataset.{key}')
    return (f'{path}.{key}: {cls.__name__} takes no argument {key!r}'
            f'{_suggest(key, accepted)} ({cls.__name__} takes: '
            f"{', '.join(accepted)})")


def _head_starts(cfg: Dict) -> Iterator[Tuple[str, Any]]:
    """(key, value) of every generator head start in CFG: the algorithm's
    ``student_start_iter`` and any ``GeneratorHeadStartHook``'s."""
    model = cfg.get('model')
    if isinstance(model, dict) and 'student_start_iter' in model:
        yield 'model.student_start_iter', model['student_start_iter']
    for i, hook in enumerate(cfg.get('custom_hooks') or []):
        if isinstance(hook, dict) and str(hook.get('type', '')).endswith(
                'GeneratorHeadStartHook'):
            yield ('student_start_iter of the GeneratorHeadStartHook in '
                   'custom_hooks', hook.get('student_start_iter', 40))


def find_head_start_mistakes(cfg: Dict) -> List[str]:
    """A generator head start as long as the whole run: the student would
    be saved, validated and exported without ever being updated."""
    max_iters = (cfg.get('train_cfg') or {}).get('max_iters')
    if not isinstance(max_iters, int) or isinstance(max_iters, bool):
        return []
    return [f'{key}={start} holds the student back for all '
            f'train_cfg.max_iters={max_iters} iterations, so the saved '
            'student would never be trained: give more iterations or a '
            f'shorter head start (set {key} below {max_iters}).'
            for key, start in _head_starts(cfg)
            if isinstance(start, int) and start >= max_iters > 0]


def find_value_mistakes(cfg: Dict) -> List[str]:
    """Settings whose value cannot work, named with the key to change:
    batch sizes and the iteration budget must be positive integers."""
    mistakes = []
    settings = [(f'{split}_dataloader.batch_size',
                 (cfg.get(f'{split}_dataloader') or {}).get('batch_size'))
                for split in ('train', 'val', 'test')]
    settings += [(f'train_cfg.{key}', (cfg.get('train_cfg') or {}).get(key))
                 for key in ('max_iters', 'max_epochs')]
    for key, value in settings:
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            mistakes.append(f'{key} must be a positive integer, got '
                            f'{value!r}: set it with --cfg-options {key}=N.')
    return mistakes


def check_component_arguments(cfg: Dict) -> None:
    """Raise one ValueError naming every misspelt component argument or
    type and every impossible setting in ``cfg`` (see
    :func:`find_argument_mistakes`, :func:`find_value_mistakes`), before
    anything is built and before the Runner prints the config."""
    mistakes = (find_value_mistakes(cfg) + find_head_start_mistakes(cfg)
                + find_argument_mistakes(cfg))
    if mistakes:
        raise ConfigError('the config has mistakes (nothing was built):\n  '
                          + '\n  '.join(mistakes))


# Top-level keys mmengine's Runner (and our tools) read themselves; any other
# top-level key of a config is a value its files copied into other places
# when they were parsed (``{{_base_.x}}``).
RUNNER_KEYS = frozenset((
    'model', 'work_dir', 'train_dataloader', 'val_dataloader',
    'test_dataloader', 'train_cfg', 'val_cfg', 'test_cfg', 'auto_scale_lr',
    'optim_wrapper', 'param_scheduler', 'val_evaluator', 'test_evaluator',
    'default_hooks', 'custom_hooks', 'data_preprocessor', 'load_from',
    'resume', 'launcher', 'env_cfg', 'log_processor', 'log_level',
    'visualizer', 'default_scope', 'randomness', 'experiment_name',
    'custom_imports', 'cfg', 'dist_cfg'))


def _places_holding(node: Any, value: Any, path: str = '') -> List[str]:
    """Config paths whose value equals ``value`` (lists and tuples alike)."""
    def same(a, b):
        if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
            return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
        return type(a) is type(b) and a == b

    found = [path] if path and same(node, value) else []
    if isinstance(node, dict):
        for key, child in node.items():
            found += _places_holding(child, value,
                                     f'{path}.{key}' if path else str(key))
    elif isinstance(node, (list, tuple)) and not found:
        for i, child in enumerate(node):
            found += _places_holding(child, value, f'{path}.{i}')
    return found


def find_parse_time_knob_overrides(cfg: Dict, options: Dict) -> List[str]:
    """Overrides of top-level config variables that the config only copied
    elsewhere when it was parsed: accepted by mmengine, they change nothing.
    One message per such key, naming the places its value was copied to."""
    mistakes = []
    for key in options:
        if '.' in key or key not in cfg or key in RUNNER_KEYS:
            continue
        value = cfg[key]
        if isinstance(value, dict):
            continue
        rest = {k: v for k, v in cfg.items() if k != key}
        # A list element is set through its list (key=[...]).
        places = list(dict.fromkeys(
            re.sub(r'(\.\d+)+$', '', p) for p in _places_holding(rest, value)
            if p.split('.')[0] in RUNNER_KEYS))
        fix = (' Override the keys it went to instead (those holding its '
               'value now): --cfg-options ' + ' '.join(
                   f'{place}=...' for place in places) if places else
               ' Nothing reads it after parsing.')
        mistakes.append(
            f'{key} is a value the config copied into other keys when it was '
            'parsed; overriding it now would change nothing.' + fix)
    return mistakes
