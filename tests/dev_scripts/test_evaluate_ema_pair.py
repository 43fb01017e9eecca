""".dev_scripts/evaluate_ema_pair.py evaluates both students of an EMA run."""
import re

import pytest
import torch
from conftest import (MNIST_CONFIG, load_script, mnist_val_options,
                      save_random_teacher, train_here)

pair = load_script('.dev_scripts', 'evaluate_ema_pair')


def test_raw_and_averaged_students_of_one_run(tmp_path, fake_mnist_root):
    teacher = save_random_teacher(tmp_path / 'teacher.pth')
    config = tmp_path / 'ema.py'
    # A large momentum, so three iterations part the average from the raw.
    config.write_text(
        f'_base_ = [{MNIST_CONFIG!r}]\n'
        "custom_hooks = [dict(type='EMAHook', momentum=0.5, "
        'update_buffers=True)]\n')
    val = mnist_val_options(fake_mnist_root)
    options = [f'model.teacher_ckpt={teacher}', 'train_cfg.max_iters=3',
               'train_cfg.val_interval=3', 'train_dataloader.batch_size=20',
               'model.generator.hidden_channels=8',
               'default_hooks.checkpoint.interval=3', *val]
    log = train_here(str(config), tmp_path / 'run', options)
    checkpoint = str(tmp_path / 'run' / 'iter_3.pth')

    paths = pair.split_ema_checkpoint(checkpoint, str(tmp_path))
    raw = torch.load(paths['raw'], weights_only=False)['state_dict']
    ema = torch.load(paths['ema'], weights_only=False)['state_dict']
    assert raw.keys() == ema.keys()
    student = [key for key in raw if key.startswith('architecture.')
               and raw[key].is_floating_point()]
    assert student
    assert any(not torch.equal(raw[key], ema[key]) for key in student)

    top1 = pair.main([str(config), checkpoint, '--out',
                      str(tmp_path / 'pair.json'), '--cfg-options', *val])
    # Validation during training ran on the average: the same number.
    [last_val] = re.findall(r'accuracy/top1: ([0-9.]+)', log)[-1:]
    assert top1['ema'] == pytest.approx(float(last_val), abs=0.01)
    assert 0.0 <= top1['raw'] <= 100.0


def test_a_checkpoint_without_an_average_is_refused(tmp_path):
    path = tmp_path / 'plain.pth'
    torch.save(dict(state_dict={}), path)
    with pytest.raises(SystemExit, match='holds no ema_state_dict'):
        pair.split_ema_checkpoint(str(path), str(tmp_path))
