"""MMRazor's DataFreeDistillation (DFAD) with the synthetic replay bank."""
import torch
from conftest import crop_flip_of, tiny_mmrazor_dfad

from mmrazor_cpsc.models import ReplayDataFreeDistillation


def calls_of(module):
    sizes = []
    module.register_forward_pre_hook(lambda m, args: sizes.append(
        len(args[0])))
    return sizes


def test_without_a_bank_it_trains_as_mmrazor_does():
    torch.manual_seed(0)
    ours, optim, data = tiny_mmrazor_dfad(
        algorithm='ReplayDataFreeDistillation')
    torch.manual_seed(0)
    theirs, their_optim, _ = tiny_mmrazor_dfad()
    theirs.load_state_dict(ours.state_dict())
    for model, wrapper in ((ours, optim), (theirs, their_optim)):
        torch.manual_seed(1)
        model.train_step(data, wrapper)
    for (name, a), b in zip(ours.student.state_dict().items(),
                            theirs.student.state_dict().values()):
        torch.testing.assert_close(a, b, msg=name)


def test_student_steps_replay_the_bank_with_the_teachers_records():
    torch.manual_seed(0)
    model, optim, data = tiny_mmrazor_dfad(
        algorithm='ReplayDataFreeDistillation', student_iter=3,
        replay_bank=dict(type='SyntheticReplayBank', capacity=32,
                         fresh_fraction=0.25, storage_dtype='float32'))
    assert isinstance(model, ReplayDataFreeDistillation)
    teacher, student = calls_of(model.teachers['t']), calls_of(model.student)
    log = model.train_step(data, optim)
    # Student steps: 8 fresh (empty bank), then 2 fresh + 6 replayed twice.
    # The generator step shows the teacher and student 8 images each too.
    assert sorted(teacher) == [2, 2, 8, 8] and sorted(student) == [8] * 4
    assert model.replay_bank.num_stored == 12
    assert log['distill.replayed'] == 0.75
    images, _, records = model.replay_bank.sample(5, torch.device('cpu'))
    with torch.no_grad():
        direct = model.teachers['t'](images, None, mode='tensor')
    torch.testing.assert_close(records['fc'][0], direct)


def test_student_augment_reaches_teacher_and_student_alike():
    torch.manual_seed(0)
    model, optim, data = tiny_mmrazor_dfad(
        algorithm='ReplayDataFreeDistillation', student_iter=2,
        student_augment=dict(type='RandomCropFlip', padding=2))
    generated, teacher_in, student_in = [], [], []
    model.generator.register_forward_hook(
        lambda m, args, out: generated.append(out.detach().clone()))
    for module, seen in ((model.teachers['t'], teacher_in),
                         (model.student, student_in)):
        module.register_forward_pre_hook(
            lambda m, args, seen=seen: seen.append(args[0].detach().clone()))
    log = model.train_step(data, optim)
    assert 'distill.replayed' not in log
    # The last call of each is a student step's (student_train_first=False).
    assert torch.equal(teacher_in[-1], student_in[-1])
    assert not torch.equal(teacher_in[-1], generated[-1])
    for original, augmented in zip(generated[-1], teacher_in[-1]):
        assert crop_flip_of(original, augmented, 2)
