"""The CPSC update schedule on the real MMRazor/MMEngine stack (LeNet pair)."""
import copy
import logging

import pytest
import torch
from conftest import (MNIST_CONFIG, build_algorithm, crop_flip_of,
                      mnist_val_options, save_random_teacher, small_mnist_cfg,
                      train_here)
from mmengine.logging import MessageHub, MMLogger
from mmrazor.registry import MODELS

from mmrazor_cpsc.models import CPSCDataFreeDistillation

BATCH = 20


def snapshot(module):
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def params_snapshot(module):
    return {k: p.detach().clone() for k, p in module.named_parameters()}


def changed(before, module):
    now = dict(module.named_parameters())
    return [k for k in before if not torch.equal(before[k], now[k])]


def count_steps(algo):
    calls = []
    for name in ('generator_step', 'student_step'):
        original = getattr(algo, name)

        def counted(*args, __original=original, __name=name):
            calls.append(__name)
            return __original(*args)

        setattr(algo, name, counted)
    return calls


def test_generator_step_updates_only_the_generator(mnist_algorithm):
    algo, optim = mnist_algorithm
    student, teacher = params_snapshot(algo.student), snapshot(algo.teacher)
    generator = params_snapshot(algo.generator)
    head = params_snapshot(algo.generator_distiller)
    log = algo.generator_step(BATCH, optim)
    assert not changed(student, algo.student)
    assert all(p.grad is None for p in algo.student.parameters()), \
        'the generator loss leaked gradients into the student'
    assert len(changed(generator, algo.generator)) == len(generator)
    assert changed(head, algo.generator_distiller)  # projection head trains
    for key, value in algo.teacher.state_dict().items():
        assert torch.equal(value, teacher[key]), key
    assert {'gen.loss', 'gen.loss_scl', 'gen.loss_bn', 'gen.loss_ce',
            'gen.teacher_agreement'} <= set(log)


def test_student_step_updates_only_the_student(mnist_algorithm):
    algo, optim = mnist_algorithm
    student, teacher = params_snapshot(algo.student), snapshot(algo.teacher)
    generator = params_snapshot(algo.generator)
    head = params_snapshot(algo.generator_distiller)
    log = algo.student_step(BATCH, optim)
    assert not changed(generator, algo.generator)
    assert all(p.grad is None for p in algo.generator.parameters())
    assert not changed(head, algo.generator_distiller)
    assert len(changed(student, algo.student)) == len(student)
    for key, value in algo.teacher.state_dict().items():
        assert torch.equal(value, teacher[key]), key
    assert {'stu.loss', 'stu.loss_kl', 'stu.loss_ikd', 'stu.loss_ce'} <= set(log)


def test_train_step_runs_the_configured_schedule(mnist_algorithm):
    algo, optim = mnist_algorithm
    algo.generator_steps, algo.student_steps = 2, 3
    calls = count_steps(algo)
    algo.train()
    data = dict(inputs=[torch.zeros(1, 1, 1)] * BATCH,
                data_samples=[None] * BATCH)
    log = algo.train_step(data, optim)
    assert calls == ['generator_step'] * 2 + ['student_step'] * 3
    assert all(torch.isfinite(v) for v in log.values())
    assert not algo.teacher.training, 'teacher must stay in eval mode'


def test_generator_batch_can_differ_from_the_student_batch():
    torch.manual_seed(0)
    algo, optim = build_algorithm(small_mnist_cfg(generator_batch_size=12,
                                                  student_steps=1))
    sizes = []
    algo.generator.register_forward_pre_hook(
        lambda m, args: sizes.append(len(args[0])))
    data = dict(inputs=[torch.zeros(1, 1, 1)] * BATCH,
                data_samples=[None] * BATCH)
    algo.train_step(data, optim)
    assert sizes == [12, BATCH]


def test_student_start_iter_gives_the_generator_a_head_start(mnist_algorithm):
    algo, optim = mnist_algorithm
    algo.generator_steps, algo.student_steps = 1, 2
    algo.student_start_iter = 2
    calls = count_steps(algo)
    algo.train()
    data = dict(inputs=[torch.zeros(1, 1, 1)] * BATCH,
                data_samples=[None] * BATCH)
    # Outside a Runner: a fresh message hub has no 'iter'; the algorithm
    # counts its own iterations.
    MessageHub.get_instance('cpsc_head_start_no_runner')
    logs = [algo.train_step(data, optim) for _ in range(3)]
    assert calls == ['generator_step'] * 3 + ['student_step'] * 2
    assert not any(k.startswith('stu.') for k in logs[0])
    assert 'stu.loss' in logs[2]
    # Inside a Runner the message hub's iteration decides, so a run resumed
    # after the head start does not repeat it.
    calls.clear()
    MessageHub.get_instance('cpsc_head_start_resumed').update_info('iter', 7)
    algo._iterations_run = 0
    algo.train_step(data, optim)
    assert calls == ['generator_step'] + ['student_step'] * 2


def test_teacher_is_frozen_and_stays_in_eval(mnist_algorithm):
    algo, _ = mnist_algorithm
    algo.train()
    assert not algo.teacher.training
    assert algo.student.training and algo.generator.training
    assert not any(p.requires_grad for p in algo.teacher.parameters())


@pytest.mark.parametrize('sampling', ['balanced', 'uniform'])
def test_label_sampling(mnist_algorithm, sampling):
    algo, _ = mnist_algorithm
    algo.label_sampling = sampling
    labels = algo.sample_labels(105, torch.device('cpu'))
    counts = torch.bincount(labels, minlength=10)
    assert labels.shape == (105, ) and counts.sum() == 105
    if sampling == 'balanced':
        assert counts.max() - counts.min() <= 1


def test_projection_head_without_optimiser_is_explained(mnist_algorithm):
    algo, optim = mnist_algorithm
    del optim.optim_wrappers['generator_distiller']
    with pytest.raises(KeyError, match='generator_distiller=dict'):
        algo.generator_step(BATCH, optim)


def test_non_finite_loss_stops_before_the_update(mnist_algorithm):
    algo, optim = mnist_algorithm
    student = params_snapshot(algo.student)
    with torch.no_grad():
        algo.student.head.fc.weight.fill_(float('nan'))
    student['head.fc.weight'] = algo.student.head.fc.weight.detach().clone()
    with pytest.raises(FloatingPointError, match=r'stu\.loss_kl'):
        algo.student_step(BATCH, optim)
    for key, value in algo.student.named_parameters():
        assert torch.equal(value, student[key]) or key == 'head.fc.weight'


@pytest.mark.parametrize('override,match', [
    (dict(generator_steps=-1), 'generator_steps must be an integer >= 0'),
    (dict(student_steps=-1), 'student_steps must be an integer >= 0'),
    (dict(student_start_iter=-3),
     'student_start_iter must be an integer >= 0'),
    (dict(generator_steps=0, student_steps=0), 'nothing would be trained'),
    (dict(label_sampling='stratified'), 'label_sampling must be one of'),
    (dict(generator_batch_size=1), 'generator_batch_size must be an integer'),
])
def test_bad_schedule_options(override, match):
    with pytest.raises(ValueError, match=match):
        MODELS.build(small_mnist_cfg(**override).model)


def test_generator_classes_must_match_teacher():
    cfg = small_mnist_cfg()
    cfg.model.generator.num_classes = 100
    with pytest.raises(ValueError, match='num_classes=100 but the teacher '
                       'predicts 10'):
        MODELS.build(cfg.model)


@pytest.mark.parametrize('field,value', [('out_channels', 3),
                                         ('img_size', 64)])
def test_generator_output_must_fit_teacher_input(field, value):
    cfg = small_mnist_cfg()
    cfg.model.generator[field] = value
    with pytest.raises(ValueError, match="generator's out_channels and "
                       'img_size'):
        MODELS.build(cfg.model)


def test_non_conditional_generator_is_refused():
    cfg = small_mnist_cfg()
    cfg.model.generator = dict(type='DAFLGenerator', img_size=32,
                               latent_dim=16, hidden_channels=8)
    with pytest.raises(TypeError, match='class-conditional generator'):
        MODELS.build(cfg.model)


def test_teacher_checkpoint_is_loaded_and_protected(tmp_path):
    cfg = small_mnist_cfg()
    teacher = MODELS.build(copy.deepcopy(cfg.model.teacher))
    ckpt = tmp_path / 'teacher.pth'
    torch.save(teacher.state_dict(), ckpt)
    cfg.model.teacher_ckpt = str(ckpt)
    algo, optim = build_algorithm(cfg)  # init_weights() must not overwrite
    for key, value in teacher.state_dict().items():
        assert torch.equal(algo.teacher.state_dict()[key], value), key
    algo.train()
    data = dict(inputs=[torch.zeros(1, 1, 1)] * BATCH)
    algo.train_step(data, optim)
    for key, value in teacher.state_dict().items():
        assert torch.equal(algo.teacher.state_dict()[key], value), key


def test_registered():
    assert MODELS.get('CPSCDataFreeDistillation') is CPSCDataFreeDistillation


def test_feature_width_mismatch_without_projection_is_caught_at_build():
    cfg = small_mnist_cfg()
    scl = cfg.model.generator_distiller.loss_forward_mappings.loss_scl
    scl.student_feats.pop('connector')
    with pytest.raises(ValueError, match='`generator_distiller` cannot '
                       'compute its losses.*ProjectionHead'):
        MODELS.build(cfg.model)


def test_missing_recorder_source_names_close_modules():
    cfg = small_mnist_cfg()
    cfg.model.distiller.student_recorders.logits.source = 'head.fcc'
    with pytest.raises(ValueError, match=r"student recorder of `distiller`.*"
                       r"close names: \['head.fc'"):
        MODELS.build(cfg.model)


def test_bn_loss_with_bn_free_teacher_is_refused():
    cfg = small_mnist_cfg()
    cfg.model.teacher = dict(
        _scope_='mmpretrain', type='ImageClassifier',
        backbone=dict(type='LeNet5', num_classes=-1),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=10, in_channels=120))
    with pytest.raises(ValueError, match='BN-statistics matching'):
        MODELS.build(cfg.model)


class _Collect(logging.Handler):

    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def test_small_batch_warns_once(mnist_algorithm):
    algo, optim = mnist_algorithm
    algo.student_steps = 1
    data = dict(inputs=[torch.zeros(1, 1, 1)] * 6)  # 6 < 2 x 10 classes
    logger, collect = MMLogger.get_current_instance(), _Collect()
    logger.addHandler(collect)
    try:
        algo.train_step(data, optim)
        algo.train_step(data, optim)
    finally:
        logger.removeHandler(collect)
    assert sum('below two samples per class' in m
               for m in collect.messages) == 1


def capture_teacher_inputs(algo):
    """Record every generator output and every teacher input."""
    seen = dict(generated=[], teacher=[])
    algo.generator.register_forward_hook(
        lambda mod, args, out: seen['generated'].append(out.detach().clone()))
    algo.teacher.register_forward_pre_hook(
        lambda mod, args: seen['teacher'].append(args[0].detach().clone()))
    return seen


def test_generator_augment_shifts_what_the_critics_see_in_the_generator_step():
    torch.manual_seed(0)
    algo, optim = build_algorithm(small_mnist_cfg(
        generator_augment=dict(type='RandomShift', max_shift=2)))
    seen = capture_teacher_inputs(algo)
    offsets = set()
    for _ in range(6):
        algo.generator_step(BATCH, optim)
        generated, teacher_input = seen['generated'][-1], seen['teacher'][-1]
        matches = [(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)
                   if torch.equal(torch.roll(generated, (dy, dx), (2, 3)),
                                  teacher_input)]
        assert matches, 'the teacher input is not a shift of the generator output'
        offsets.update(matches)
    assert offsets != {(0, 0)}, 'six steps never shifted the images'
    # The student step distils on the generator's images as they are.
    algo.student_step(BATCH, optim)
    assert torch.equal(seen['teacher'][-1], seen['generated'][-1])
    # The augmentation has no state: checkpoints are unchanged by it.
    assert not any(k.startswith('generator_augment')
                   for k in algo.state_dict())


def test_student_augment_crops_and_flips_what_both_critics_see():
    torch.manual_seed(0)
    algo, optim = build_algorithm(small_mnist_cfg(
        student_augment=dict(type='RandomCropFlip', padding=2)))
    seen = capture_teacher_inputs(algo)
    student_inputs = []
    algo.student.register_forward_pre_hook(
        lambda mod, args: student_inputs.append(args[0].detach().clone()))
    algo.student_step(BATCH, optim)
    generated, teacher_input = seen['generated'][-1], seen['teacher'][-1]
    assert not torch.equal(teacher_input, generated)
    assert torch.equal(student_inputs[-1], teacher_input)
    for original, augmented in zip(generated, teacher_input):
        assert crop_flip_of(original, augmented, 2)
    # The generator step is not augmented.
    algo.generator_step(BATCH, optim)
    assert torch.equal(seen['teacher'][-1], seen['generated'][-1])


def test_no_generator_augment_by_default(mnist_algorithm):
    algo, optim = mnist_algorithm
    seen = capture_teacher_inputs(algo)
    algo.generator_step(BATCH, optim)
    assert torch.equal(seen['teacher'][-1], seen['generated'][-1])


@pytest.mark.parametrize('reset', [False, True])
def test_reference_generator_optimizer_reset(reset):
    """The authors' code makes a new Adam per generator step: with the
    switch on, every generator update starts from empty moments (Adam's step
    count stays 1); the student's SGD momentum is never touched."""
    torch.manual_seed(0)
    algo, optim = build_algorithm(
        small_mnist_cfg(reset_generator_optimizer=reset))
    for _ in range(3):
        algo.generator_step(BATCH, optim)
    algo.student_step(BATCH, optim)
    algo.generator_step(BATCH, optim)
    for part in ('generator', 'generator_distiller'):
        steps = {int(state['step'])
                 for state in optim[part].optimizer.state.values()}
        assert steps == ({1} if reset else {4}), part
    assert optim['architecture'].optimizer.state  # momentum buffers kept


def test_output_bounds_of_another_normalisation_are_refused():
    cfg = small_mnist_cfg()
    mean, std = cfg.model.data_preprocessor.mean[0], \
        cfg.model.data_preprocessor.std[0]
    # The pixel range under this config's normalisation builds.
    cfg.model.generator.output_bounds = ((0 - mean) / std, (255 - mean) / std)
    MODELS.build(cfg.model)
    # The same bounds after the normalisation moved are named with the fix.
    cfg.model.data_preprocessor.mean = [127.5]
    cfg.model.data_preprocessor.std = [127.5]
    with pytest.raises(ValueError, match=r'output_bounds .* not the pixel '
                       r'range .* which is \(-1\.0000, 1\.0000\)'):
        MODELS.build(cfg.model)


def replay_algorithm(**bank):
    torch.manual_seed(0)
    return build_algorithm(small_mnist_cfg(replay_bank=dict(
        type='SyntheticReplayBank', capacity=64, **bank)))


def test_replay_bank_spares_the_teacher_and_keeps_its_records():
    algo, optim = replay_algorithm(fresh_fraction=0.25,
                                   storage_dtype='float32')
    seen = dict(teacher=[], student=[])
    for role in seen:
        getattr(algo, role).register_forward_pre_hook(
            lambda m, args, role=role: seen[role].append(args[0]))
    log = algo.student_step(BATCH, optim)
    assert [len(x) for x in seen['teacher']] == [BATCH]  # bank empty
    assert algo.replay_bank.num_stored == BATCH and log['stu.replayed'] == 0
    seen['teacher'].clear(), seen['student'].clear()
    log = algo.student_step(BATCH, optim)
    assert [len(x) for x in seen['teacher']] == [5]  # fresh share only
    assert [len(x) for x in seen['student']] == [BATCH]
    assert log['stu.replayed'] == pytest.approx(0.75)
    assert algo.replay_bank.num_stored == BATCH + 5
    # The student's batch: the fresh images, then 15 stored ones; the
    # teacher's logits the loss used are the teacher's on that whole batch.
    joined = seen['student'][0]
    assert torch.equal(joined[:5], seen['teacher'][0])
    used = algo.distiller.teacher_recorders.recorders['logits'].data_buffer
    with torch.no_grad():
        direct = algo.teacher(joined, None, mode='tensor')
    torch.testing.assert_close(used[0], direct, atol=1e-5, rtol=1e-5)


def test_replay_bank_is_in_the_checkpoint(tmp_path):
    algo, optim = replay_algorithm()
    for _ in range(3):
        algo.student_step(BATCH, optim)
    torch.save(dict(state_dict=algo.state_dict()), tmp_path / 'ckpt.pth')
    resumed, _ = replay_algorithm()
    state = torch.load(tmp_path / 'ckpt.pth', weights_only=True)
    resumed.load_state_dict(state['state_dict'])
    assert resumed.replay_bank.num_stored == algo.replay_bank.num_stored > 0
    assert torch.equal(resumed.replay_bank.images, algo.replay_bank.images)


def test_replay_bank_refuses_batch_statistics_records():
    cfg = small_mnist_cfg(replay_bank=dict(type='SyntheticReplayBank'))
    cfg.model.distiller.teacher_recorders.bn = dict(type='BNStatistics')
    algo, optim = build_algorithm(cfg)
    with pytest.raises(ValueError, match='`bn` records'):
        algo.student_step(BATCH, optim)


def test_replay_bank_survives_a_runner_resume(tmp_path, fake_mnist_root):
    """Saved by mmengine's checkpoint code, restored by --resume: the rows
    stored before the interruption are still the first rows after it."""
    teacher = save_random_teacher(tmp_path / 'teacher.pth')
    options = [f'model.teacher_ckpt={teacher}', 'model.student_start_iter=0',
               'model.student_steps=1', 'model.generator.hidden_channels=8',
               'model.replay_bank.type=SyntheticReplayBank',
               'model.replay_bank.capacity=500',
               'train_dataloader.batch_size=20',
               'default_hooks.checkpoint.interval=2',
               'train_cfg.val_interval=4',
               *mnist_val_options(fake_mnist_root)]
    work_dir = tmp_path / 'run'
    train_here(MNIST_CONFIG, work_dir, options + ['train_cfg.max_iters=2'])
    train_here(MNIST_CONFIG, work_dir,
               options + ['train_cfg.max_iters=4', 'resume=True'])
    # The Runner's own files (its message hub is pickled): a full load.
    banks = [torch.load(work_dir / f'iter_{i}.pth', weights_only=False)[
        'state_dict']['replay_bank._extra_state'] for i in (2, 4)]
    # 20 fresh, then 5 fresh per step (fresh_fraction 0.25 of 20).
    assert banks[0]['num_stored'] == 25 and banks[1]['num_stored'] == 35
    assert torch.equal(banks[1]['images'][:25], banks[0]['images'])
