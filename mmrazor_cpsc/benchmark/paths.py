"""Where the benchmark finds configs and tools, in a checkout or installed.

A checkout holds ``configs/`` and ``tools/`` beside the package; an installed
wheel (and an editable install, through symlinks) holds them in
``mmrazor_cpsc/.mim/`` (setup.py copies them there for ``mim``). Research
scripts (``.dev_scripts/``) exist only in a checkout.
"""
import os
import os.path as osp
from typing import Optional

_PACKAGE = osp.dirname(osp.dirname(osp.abspath(__file__)))


def checkout_root() -> Optional[str]:
    """The repository checkout the package runs from, or None when the
    package is installed (its parent holds no ``tools/train.py``)."""
    root = osp.dirname(_PACKAGE)
    if osp.isfile(osp.join(root, 'tools', 'train.py')) and osp.isdir(
            osp.join(root, 'configs')):
        return root
    return None


def project_root() -> str:
    """The folder holding ``configs/`` and ``tools/``: the checkout, else the
    installed package's ``.mim``.

    Raises:
        SystemExit: when neither has ``tools/train.py``.
    """
    for root in (checkout_root(), osp.join(_PACKAGE, '.mim')):
        if root and osp.isfile(osp.join(root, 'tools', 'train.py')):
            return root
    raise SystemExit(
        f'benchmark: no tools/train.py beside {_PACKAGE} nor in its .mim '
        'folder; reinstall mmrazor-cpsc (pip install . or pip install -e .) '
        'so its tools are installed with it.')


def tool_path(name: str) -> str:
    """The path of ``tools/NAME`` (e.g. ``'train.py'``), checked to exist.

    Raises:
        SystemExit: naming the missing tool and how to get it.
    """
    path = osp.join(project_root(), 'tools', name)
    if not osp.isfile(path):
        raise SystemExit(f'benchmark: tools/{name} is not installed beside '
                         f'the package ({path}); reinstall mmrazor-cpsc.')
    return path


def config_path(path: str) -> str:
    """PATH as an absolute path: as given when absolute or found from the
    current folder, else under the project root (the suites name their
    configs as ``configs/...``)."""
    if osp.isabs(path):
        return path
    if osp.isfile(path):
        return osp.abspath(path)
    return osp.join(project_root(), path)


def working_dir() -> str:
    """Where the benchmark's subprocesses run: the checkout (its configs
    name data as ``data/...`` from there), else the current folder."""
    return checkout_root() or os.getcwd()


def dev_script(name: str) -> Optional[str]:
    """``.dev_scripts/NAME`` of the checkout, or None when installed."""
    root = checkout_root()
    path = osp.join(root, '.dev_scripts', name) if root else None
    return path if path and osp.isfile(path) else None
