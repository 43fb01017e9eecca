"""The ``mmrazor_cpsc`` registry scope.

Our components register into MMRazor's registries (so they mix with MMRazor's
own); these empty children of MMRazor's registries only give the package a
scope of its own. mmengine tags every component a config inherits from an
installed package (``_base_ = ['mmrazor_cpsc::cpsc/...py']``) with
``_scope_='mmrazor_cpsc'`` and builds it from that scope's registry; a child
registry finds MMRazor's, MMPretrain's and MMEngine's components through its
parents, so such configs build exactly as the shipped ones do.
"""
from mmengine.registry import Registry
from mmrazor import registry as mmrazor_registry

SCOPE = 'mmrazor_cpsc'


def _child(name: str) -> Registry:
    parent = getattr(mmrazor_registry, name)
    # locations: importing the package registers everything (into the
    # parents); without it mmengine would look for a register_all_modules.
    return Registry(parent.name, parent=parent, scope=SCOPE,
                    locations=['mmrazor_cpsc'])


DATASETS = _child('DATASETS')
DATA_SAMPLERS = _child('DATA_SAMPLERS')
HOOKS = _child('HOOKS')
LOOPS = _child('LOOPS')
METRICS = _child('METRICS')
MODELS = _child('MODELS')
MODEL_WRAPPERS = _child('MODEL_WRAPPERS')
OPTIMIZERS = _child('OPTIMIZERS')
OPTIM_WRAPPERS = _child('OPTIM_WRAPPERS')
OPTIM_WRAPPER_CONSTRUCTORS = _child('OPTIM_WRAPPER_CONSTRUCTORS')
PARAM_SCHEDULERS = _child('PARAM_SCHEDULERS')
RUNNERS = _child('RUNNERS')
RUNNER_CONSTRUCTORS = _child('RUNNER_CONSTRUCTORS')
TASK_UTILS = _child('TASK_UTILS')
TRANSFORMS = _child('TRANSFORMS')
VISBACKENDS = _child('VISBACKENDS')
VISUALIZERS = _child('VISUALIZERS')
WEIGHT_INITIALIZERS = _child('WEIGHT_INITIALIZERS')

__all__ = [
    'SCOPE', 'DATASETS', 'DATA_SAMPLERS', 'HOOKS', 'LOOPS', 'METRICS',
    'MODELS', 'MODEL_WRAPPERS', 'OPTIMIZERS', 'OPTIM_WRAPPERS',
    'OPTIM_WRAPPER_CONSTRUCTORS', 'PARAM_SCHEDULERS', 'RUNNERS',
    'RUNNER_CONSTRUCTORS', 'TASK_UTILS', 'TRANSFORMS', 'VISBACKENDS',
    'VISUALIZERS', 'WEIGHT_INITIALIZERS'
]
