"""mmrazor-cpsc: CPSC-DFKD data-free knowledge distillation for MMRazor.

Importing this package applies the compatibility fixes in
:mod:`mmrazor_cpsc.compat` first (mmrazor 1.0.0 does not import on torch 2.x
without them), then registers the generator, losses, recorders, connector,
algorithm, dataset and backbones into MMRazor's and MMPretrain's registries.
Configs load it with ``custom_imports = dict(imports=['mmrazor_cpsc'])``.
"""
# mmcv is not in install_requires (the full mmcv and mmcv-lite both provide
# it, and pip cannot ask for one of two), so say how to get it here rather
# than let mmrazor fail on it deep inside its imports.
try:
    import mmcv  # noqa: F401
except ImportError as error:
    raise ImportError(
        'mmrazor-cpsc needs mmcv 2.0-2.1, which is not installed. Install '
        "the full mmcv with `mim install 'mmcv>=2.0.0,<=2.1.0'` (CUDA ops) "
        "or the CPU build with `pip install 'mmcv-lite==2.1.0'`; `pip install "
        "'mmrazor-cpsc[mim]'` does the former.") from error

from . import compat  # noqa: E402

compat.apply_all()

# A user config inherits ours by package scope, as it would mmpretrain's:
# `_base_ = ['mmrazor_cpsc::cpsc/cpsc_lenet5bn_lenet5half_mnist.py']` reads
# the installed package's .mim/configs. mmengine resolves `pkg::` only for the
# packages named in this table of its.
from mmengine.config import utils as _mmengine_config_utils  # noqa: E402

_mmengine_config_utils.MODULE2PACKAGE.setdefault('mmrazor_cpsc',
                                                 'mmrazor-cpsc')

# mmrazor.engine registers SeparateOptimWrapperConstructor, which CPSC
# configs use; import it here so any entry point (mmengine's, ours) has it.
import mmrazor.engine  # noqa: E402,F401

from . import datasets, engine, models, registry, structures  # noqa: E402,F401,E501
from .version import __version__  # noqa: E402,F401
