"""tools/prepare_dataset.py as a user runs it, outside the checkout: class
folders -> configs -> teacher -> CPSC student, the runs started in different
folders; a bad image or root ends in one line, not a traceback."""
import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import REPO, load_script
from PIL import Image

TOOLS = os.path.join(REPO, 'tools')


def write_folders(root, classes=('cats', 'dogs'), size=12):
    """root/{train,test}/<class>/i.png, each class its own colour."""
    rng = np.random.default_rng(0)
    for split, count in (('train', 6), ('test', 2)):
        for c, name in enumerate(classes):
            (root / split / name).mkdir(parents=True)
            for i in range(count):
                img = rng.integers(0, 120, (size, size, 3)).astype(np.uint8)
                img[..., c] += 100
                Image.fromarray(img).save(root / split / name / f'{i}.png')
    return root


def run(tool, *args, cwd, ok=True):
    result = subprocess.run(
        [sys.executable, os.path.join(TOOLS, tool), *map(str, args)],
        cwd=cwd, capture_output=True, text=True, timeout=600,
        env=dict(os.environ, OMP_NUM_THREADS='1'))
    log = result.stdout + result.stderr
    assert (result.returncode == 0) == ok, log[-3000:]
    return result


def test_folders_to_a_tested_student_from_any_directory(tmp_path):
    data = write_folders(tmp_path / 'pets_images')
    project, other = tmp_path / 'my_project', tmp_path / 'somewhere_else'
    project.mkdir()
    other.mkdir()
    out = run('prepare_dataset.py', data, '--name', 'pets',
              '--image-size', '8', '--teacher-epochs', '2',
              cwd=project).stdout
    assert f'python {TOOLS}/train.py configs_pets/pets_teacher.py' in out
    configs = project / 'configs_pets'
    # The teacher trained from one folder, the student from another: the
    # CPSC config finds the teacher beside itself.
    run('train.py', configs / 'pets_teacher.py', '--cfg-options',
        'train_dataloader.batch_size=8', cwd=other)
    assert (configs / 'work_dirs' / 'pets_teacher' / 'epoch_2.pth').exists()
    run('train.py', 'configs_pets/pets_cpsc.py', '--cfg-options',
        'train_cfg.max_iters=2', 'train_cfg.val_interval=2',
        'model.student_start_iter=0', 'train_dataloader.batch_size=8',
        cwd=project)
    assert (configs / 'work_dirs' / 'pets_cpsc' / 'iter_2.pth').exists()


def test_a_truncated_test_image_is_one_line(tmp_path):
    data = write_folders(tmp_path / 'data')
    bad = data / 'test' / 'dogs' / '1.png'
    bad.write_bytes(bad.read_bytes()[:60])
    result = run('prepare_dataset.py', data, '--name', 'x', cwd=tmp_path,
                 ok=False)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and 'replace or delete this file' in lines[0]
    assert lines[0].startswith(f'prepare_dataset: {bad} cannot be decoded')
    assert not (tmp_path / 'configs_x').exists()


def test_a_missing_root_is_one_line(tmp_path, monkeypatch, capsys):
    # The script's main() in this process (the truncated image above is the
    # process's one-line stderr): its exit message, and nothing else on
    # stderr.
    monkeypatch.chdir(tmp_path)
    tool = load_script('tools', 'prepare_dataset')
    capsys.readouterr()
    with pytest.raises(SystemExit) as caught:
        tool.main(['moved_away', '--name', 'x'])
    assert capsys.readouterr().err == ''
    assert str(caught.value.code).strip().splitlines() == [
        f"prepare_dataset: the dataset root {tmp_path}/moved_away "
        f"('moved_away' from {tmp_path}) does not exist: give the folder "
        'that holds train/<class>/ and test/<class>/ (or the IDX files); if '
        'you moved it, give its new place.']
