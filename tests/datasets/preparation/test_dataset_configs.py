"""The generated configs: package-scope bases, no machine paths but the
dataset root, the teacher found from any directory; the next commands."""
import os
import os.path as osp
import shutil

from conftest import REPO
from mmengine.config import Config

from mmrazor_cpsc.datasets.preparation import (next_commands,
                                               write_dataset_configs)


def write(out, root, channels=3):
    return write_dataset_configs(
        os.fspath(out), 'pets', os.fspath(root), ['cats', 'dogs'], 'test',
        16, channels, [1.0] * channels, [2.0] * channels, 1, 20, 5)


def test_configs_hold_no_machine_path_but_the_root(tmp_path, monkeypatch):
    out, root = tmp_path / 'cfg', tmp_path / 'data'
    paths = write(out, root)
    for path in paths.values():
        text = open(path).read()
        assert REPO not in text and os.fspath(out) not in text
        assert os.getcwd() not in text
    assert 'mmrazor_cpsc::teachers/' in open(paths['teacher']).read()
    elsewhere = tmp_path / 'elsewhere'
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # a user's other folder
    cpsc = Config.fromfile(paths['cpsc'])
    teacher = Config.fromfile(paths['teacher'])
    assert cpsc.model.teacher_ckpt == osp.join(
        out, 'work_dirs', 'pets_teacher', 'epoch_5.pth')
    assert teacher.work_dir == osp.join(out, 'work_dirs', 'pets_teacher')
    assert cpsc.work_dir == osp.join(out, 'work_dirs', 'pets_cpsc')
    assert cpsc.test_dataloader.dataset.data_root == os.fspath(root)
    assert teacher.train_cfg.max_epochs == 5
    assert cpsc.model.generator.img_size == 16
    assert cpsc.model.architecture.head.num_classes == 2
    # The shipped recipe is inherited: its loss and generator are there.
    assert cpsc.model.type == 'CPSCDataFreeDistillation'


def test_a_copied_config_folder_finds_its_own_teacher(tmp_path):
    out = tmp_path / 'cfg'
    write(out, out / 'pets_images', channels=1)  # IDX images inside it
    text = open(out / 'pets_dataset.py').read()
    assert "dataset_root = '{{ fileDirname }}/pets_images'" in text
    moved = tmp_path / 'other_machine' / 'cfg'
    shutil.copytree(out, moved)
    cpsc = Config.fromfile(os.fspath(moved / 'pets_cpsc.py'))
    assert cpsc.model.teacher_ckpt.startswith(os.fspath(moved))
    assert cpsc.val_dataloader.dataset.dataset.data_root == os.fspath(
        moved / 'pets_images')
    assert cpsc.model.generator.out_channels == 1


def test_next_commands_in_a_checkout_and_under_mim(tmp_path):
    out = tmp_path / 'cfg'
    paths = write(out, tmp_path / 'data')
    checkout = next_commands(paths, osp.join(REPO, 'tools'), 40,
                             cwd=os.fspath(tmp_path))
    assert checkout == [
        f'python {REPO}/tools/train.py cfg/pets_teacher.py',
        f'python {REPO}/tools/train.py cfg/pets_cpsc.py',
        f'python {REPO}/tools/test.py cfg/pets_cpsc.py '
        'cfg/work_dirs/pets_cpsc/iter_40.pth']
    assert next_commands(paths, osp.join(REPO, 'tools'), 40,
                         cwd=REPO)[0].startswith('python tools/train.py /')
    mim = next_commands(paths, '/site-packages/mmrazor_cpsc/.mim/tools', 40,
                        cwd=os.fspath(out))
    assert mim == [
        'mim train mmrazor_cpsc pets_teacher.py',
        'mim train mmrazor_cpsc pets_cpsc.py',
        'mim test mmrazor_cpsc pets_cpsc.py --checkpoint '
        'work_dirs/pets_cpsc/iter_40.pth']


def test_the_teacher_builds_from_its_package_scope_base(tmp_path):
    import torch
    from mmpretrain.registry import MODELS
    paths = write(tmp_path / 'cfg', tmp_path / 'data', channels=1)
    model = Config.fromfile(paths['teacher']).model
    # A `pkg::` base tags its model with the package's scope; the generated
    # config names mmpretrain's, where ImageClassifier is registered.
    assert model._scope_ == 'mmpretrain'
    classifier = MODELS.build(model)
    assert classifier(torch.zeros(2, 1, 16, 16), mode='tensor').shape == (2,
                                                                          2)
