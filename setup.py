"""mmrazor-cpsc: CPSC-DFKD data-free knowledge distillation for MMRazor."""
import os.path as osp

from setuptools import find_packages, setup


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
    zip_safe=False,
)
