"""The package as a user installs it: an sdist that builds, a wheel whose
requirements leave an existing environment alone, and a clear message when
mmcv is missing."""
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile

from conftest import REPO

SOURCES = ('setup.py', 'README.md', 'LICENSE', 'MANIFEST.in', 'requirements',
           'mmrazor_cpsc', 'configs', 'tools')


def _run(command, cwd):
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]


def test_sdist_builds_a_wheel_with_lower_bounds_only(tmp_path):
    source = tmp_path / 'src'
    source.mkdir()
    for name in SOURCES:
        src = os.path.join(REPO, name)
        if os.path.isdir(src):
            shutil.copytree(src, source / name, ignore=shutil.ignore_patterns(
                '__pycache__', '*.egg-info'))
        else:
            shutil.copy(src, source / name)
    _run([sys.executable, 'setup.py', '-q', 'sdist', '-d',
          os.fspath(tmp_path / 'sdist')], source)
    [sdist] = os.listdir(tmp_path / 'sdist')
    with tarfile.open(tmp_path / 'sdist' / sdist) as tar:
        names = {name.split('/', 1)[1] for name in tar.getnames()
                 if '/' in name}
    for needed in ('LICENSE', 'requirements/runtime.txt',
                   'requirements/mminstall.txt', 'requirements/tests.txt',
                   'mmrazor_cpsc/__init__.py'):
        assert needed in names, needed
    # The wheel is built from the unpacked sdist alone: what PyPI users get.
    _run([sys.executable, '-m', 'pip', 'wheel', '--no-deps',
          '--no-build-isolation', '-q', '-w', os.fspath(tmp_path / 'wheel'),
          os.fspath(tmp_path / 'sdist' / sdist)], tmp_path)
    [wheel] = os.listdir(tmp_path / 'wheel')
    with zipfile.ZipFile(tmp_path / 'wheel' / wheel) as archive:
        [metadata] = [n for n in archive.namelist()
                      if n.endswith('.dist-info/METADATA')]
        lines = archive.read(metadata).decode().splitlines()
    requires = [line.split(':', 1)[1].strip() for line in lines
                if line.startswith('Requires-Dist:')]
    plain = [r for r in requires if 'extra ==' not in r]
    # No exact pins (they would replace a user's CUDA torch), and mmcv only
    # as the `mim` extra (a full mmcv or mmcv-lite may already be there).
    assert not [r for r in plain if '==' in r], plain
    assert {r.split('>')[0].split('<')[0].strip() for r in plain} >= {
        'torch', 'torchvision', 'mmengine', 'mmpretrain', 'mmrazor'}
    assert not [r for r in plain if r.startswith(('mmcv', 'mmcv-lite'))]
    assert any(r.startswith('mmcv') and 'extra == "mim"' in r
               for r in requires), requires
    assert 'License: Apache-2.0' in lines or any(
        line.startswith('License-Expression: Apache-2.0') for line in lines)


def test_missing_mmcv_names_the_install_command():
    # sys.modules[name] = None is how Python marks a module as absent.
    code = ("import sys; sys.modules['mmcv'] = None\n"
            'import mmrazor_cpsc\n')
    result = subprocess.run([sys.executable, '-c', code], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith('ImportError: mmrazor-cpsc needs mmcv')
    assert 'mim install' in last and 'mmcv-lite==2.1.0' in last
