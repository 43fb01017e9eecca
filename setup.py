"""mmrazor-cpsc: CPSC-DFKD data-free knowledge distillation for MMRazor."""
import os
import os.path as osp
import re
import shutil

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

# What an installed OpenMMLab package carries beside its modules, in
# <package>/.mim/: mim runs .mim/tools/train.py (`mim train mmrazor_cpsc`),
# lists .mim/model-index.yml (`mim search`), and mmengine resolves a user
# config's `_base_ = 'mmrazor_cpsc::cpsc/....py'` to .mim/configs/.
MIM_FILES = ('configs', 'tools', 'model-index.yml')


# An editable install (`pip install -e .`, PEP 660) puts only metadata and
# an import hook into site-packages; the package stays in this tree. mim and
# mmengine do not import a package to find it: they look for
# <site-packages>/mmrazor_cpsc/.mim, beside the metadata, and a wheel cannot
# hold the symbolic link that would put this tree there. So the editable
# wheel carries a small package at that place that runs this tree's
# package, and a .mim of forwarders: tools that run this tree's tools,
# configs that inherit this tree's configs, an index that imports this
# tree's metafiles. Edits are live; a new tool or config needs `pip install
# -e .` again (as a new top-level module does for setuptools' own hook).
EDITABLE_INIT = """\
# Editable install of mmrazor-cpsc (pip install -e): run the package of the
# source tree {source!r}.
__path__ = [{source!r}]
__file__ = {init!r}
if __spec__ is not None:
    __spec__.submodule_search_locations = __path__
with open(__file__, encoding='utf-8') as _f:
    exec(compile(_f.read(), __file__, 'exec'))
del _f
"""
EDITABLE_TOOL = """\
# Editable install of mmrazor-cpsc: runs {tool!r}.
import runpy
runpy.run_path({tool!r}, run_name='__main__')
"""
EDITABLE_CONFIG = ('# Editable install of mmrazor-cpsc.\n'
                   '_base_ = [{config!r}]\n')


def _files(root, suffixes):
    """Paths under ``root`` (relative) that end with ``suffixes``."""
    for folder, _, names in os.walk(root):
        if '__pycache__' in folder:
            continue
        for name in sorted(names):
            if name.endswith(suffixes):
                yield osp.relpath(osp.join(folder, name), root)


def write_editable_forwarders(here, target):
    """Write ``target/mmrazor_cpsc`` (a site-packages to be) for an editable
    install of the tree ``here``: the package that runs the tree's, and its
    .mim of forwarders (tools, configs, model index)."""
    package = osp.join(target, 'mmrazor_cpsc')
    mim = osp.join(package, '.mim')
    os.makedirs(mim, exist_ok=True)
    source = osp.join(here, 'mmrazor_cpsc')
    with open(osp.join(package, '__init__.py'), 'w') as f:
        f.write(EDITABLE_INIT.format(
            source=source, init=osp.join(source, '__init__.py')))
    for kind, suffixes, template, key in (
            ('tools', ('.py', ), EDITABLE_TOOL, 'tool'),
            ('configs', ('.py', ), EDITABLE_CONFIG, 'config')):
        for name in _files(osp.join(here, kind), suffixes):
            path = osp.join(mim, kind, name)
            os.makedirs(osp.dirname(path), exist_ok=True)
            with open(path, 'w') as f:
                f.write(template.format(**{key: osp.join(here, kind, name)}))
    with open(osp.join(here, 'model-index.yml')) as f:
        index = f.read()
    # The index lists metafiles relative to itself: make them this tree's.
    index = re.sub(r'^(\s*-\s*)(\S+)\s*$',
                   lambda m: m.group(1) + osp.join(here, m.group(2)), index,
                   flags=re.M)
    with open(osp.join(mim, 'model-index.yml'), 'w') as f:
        f.write(index)


class BuildWithMimFiles(build_py):
    """build_py that also copies MIM_FILES into mmrazor_cpsc/.mim of the
    build, so wheels (and installs from the sdist) carry them; for an
    editable install, see :func:`write_editable_forwarders`."""

    def run(self):
        super().run()
        here = osp.dirname(osp.abspath(__file__))
        if getattr(self, 'editable_mode', False):
            # Python imports the package from this tree: its .mim is here,
            # linked to the files it names (as OpenMMLab's setup.py does).
            target = osp.join(here, 'mmrazor_cpsc', '.mim')
            os.makedirs(target, exist_ok=True)
            for name in MIM_FILES:
                link = osp.join(target, name)
                if not osp.lexists(link):
                    os.symlink(osp.join('..', '..', name), link)
            # setuptools' editable_wheel points `install`'s install_lib at
            # the unpacked wheel it is building (a folder named *.whl);
            # anything else is no place to write to.
            wheel = self.get_finalized_command('install').install_lib or ''
            if wheel.rstrip(os.sep).endswith('.whl'):
                write_editable_forwarders(here, wheel)
            return
        target = osp.join(self.build_lib, 'mmrazor_cpsc', '.mim')
        for name in MIM_FILES:
            src, dst = osp.join(here, name), osp.join(target, name)
            if osp.isdir(src):
                shutil.copytree(src, dst, dirs_exist_ok=True,
                                ignore=shutil.ignore_patterns('__pycache__'))
            else:
                os.makedirs(target, exist_ok=True)
                shutil.copy(src, dst)


def read_requirements(path):
    with open(osp.join(osp.dirname(__file__), path), encoding='utf-8') as f:
        lines = (line.split('#')[0].strip() for line in f)
        return [line for line in lines if line]


def read_version():
    scope = {}
    with open(osp.join('mmrazor_cpsc', 'version.py'), encoding='utf-8') as f:
        exec(f.read(), scope)
    return scope['__version__']


setup(
    name='mmrazor-cpsc',
    version=read_version(),
    description='CPSC-DFKD (Conditional Pseudo-Supervised Contrast for '
    'Data-Free Knowledge Distillation) as an MMRazor plugin',
    long_description=open('README.md', encoding='utf-8').read()
    if osp.exists('README.md') else '',
    long_description_content_type='text/markdown',
    packages=find_packages(include=['mmrazor_cpsc', 'mmrazor_cpsc.*']),
    python_requires='>=3.8',
    install_requires=read_requirements('requirements/runtime.txt'),
    # mmcv comes the OpenMMLab way (full mmcv or mmcv-lite, see
    # requirements/mminstall.txt); `pip install mmrazor-cpsc[mim]` adds it.
    extras_require={
        'mim': read_requirements('requirements/mminstall.txt'),
        'tests': read_requirements('requirements/tests.txt'),
    },
    license='Apache-2.0',
    cmdclass={'build_py': BuildWithMimFiles},
    zip_safe=False,
)
