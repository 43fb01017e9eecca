"""mmrazor-cpsc: CPSC-DFKD data-free knowledge distillation for MMRazor.

Importing this package applies the compatibility fixes in
:mod:`mmrazor_cpsc.compat` first (mmrazor 1.0.0 does not import on torch 2.x
without them), then registers the generator, losses, recorders, connector,
algorithm, dataset and backbones into MMRazor's and MMPretrain's registries.
Configs load it with ``custom_imports = dict(imports=['mmrazor_cpsc'])``.
"""
from . import compat

compat.apply_all()

# mmrazor.engine registers SeparateOptimWrapperConstructor, which CPSC
# configs use; import it here so any entry point (mmengine's, ours) has it.
import mmrazor.engine  # noqa: E402,F401

from . import datasets, engine, models, structures  # noqa: E402,F401
from .version import __version__  # noqa: E402,F401
