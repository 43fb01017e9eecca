"""mmrazor-cpsc: CPSC-DFKD data-free knowledge distillation for MMRazor."""
import os
import os.path as osp
import shutil

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

# What an installed OpenMMLab package carries beside its modules, in
# <package>/.mim/: mim runs .mim/tools/train.py (`mim train mmrazor_cpsc`),
# lists .mim/model-index.yml (`mim search`), and mmengine resolves a user
# config's `_base_ = 'mmrazor_cpsc::cpsc/....py'` to .mim/configs/.
MIM_FILES = ('configs', 'tools', 'model-index.yml')


class BuildWithMimFiles(build_py):
    """build_py that also copies MIM_FILES into mmrazor_cpsc/.mim of the
    build, so wheels (and installs from the sdist) carry them."""

    def run(self):
        super().run()
        here = osp.dirname(osp.abspath(__file__))
        if getattr(self, 'editable_mode', False):
            # `pip install -e .`: Python imports the package from this source
            # tree, so its .mim is here, linked to the files it names (as
            # OpenMMLab's own setup.py does for develop installs).
            target = osp.join(here, 'mmrazor_cpsc', '.mim')
            os.makedirs(target, exist_ok=True)
            for name in MIM_FILES:
                link = osp.join(target, name)
                if not osp.lexists(link):
                    os.symlink(osp.join('..', '..', name), link)
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
