"""mmrazor-cpsc: CPSC-DFKD data-free knowledge distillation for MMRazor.

Importing this package applies the compatibility fixes of
:mod:`mmrazor_cpsc.compat` that the installed versions need (mmrazor 1.0.0
does not import on torch 2.x without them), then registers the generator, losses, recorders, connector,
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

# Before anything imports mmrazor.models (it does not import on torch 2.x
# without these): only the fixes the installed versions need.
compat.apply_all()

# mmrazor.engine registers SeparateOptimWrapperConstructor, which CPSC
# configs use; import it here so any entry point (mmengine's, ours) has it.
import mmrazor.engine  # noqa: E402,F401

from . import datasets, engine, models, registry, structures  # noqa: E402,F401,E501
from .version import __version__  # noqa: E402,F401
