"""The benchmark's bare PyTorch loop computes exactly the algorithm's losses,
so the overhead ratio compares equal work."""

import pytest
import torch
from conftest import load_script, small_mnist_cfg
from mmrazor.registry import MODELS



_bare = load_script('.dev_scripts', 'bare_cpsc_loop')
BareCPSC, time_bare_loop = _bare.BareCPSC, _bare.time_bare_loop


@pytest.fixture
def pair(tmp_path):
    """A CPSC algorithm and a bare loop built from one config and teacher
    file, with identical weights."""
    torch.manual_seed(0)
    cfg = small_mnist_cfg()
    algorithm = MODELS.build(cfg.model)
    algorithm.init_weights()
    teacher_file = str(tmp_path / 'teacher.pth')
    torch.save(algorithm.teacher.state_dict(), teacher_file)
    bare = BareCPSC(cfg, teacher_file)
    bare.student.load_state_dict(algorithm.student.state_dict())
    bare.generator.load_state_dict(algorithm.generator.state_dict())
    bare.proj.load_state_dict(
        algorithm.generator_distiller.connectors['proj'].state_dict())
    algorithm.train()
    bare.train()
    return cfg, algorithm, bare, teacher_file


def _algorithm_loss(algorithm, distiller_name, images, labels):
    distiller = algorithm._distillers[distiller_name]
    algorithm._run_critics(distiller, images, labels, student_grad_sync=True)
    return sum(distiller.compute_distill_losses().values())


@pytest.mark.parametrize('objective', ['generator', 'student'])
def test_bare_losses_equal_the_algorithm(pair, objective):
    _, algorithm, bare, _ = pair
    torch.manual_seed(1)
    images = torch.randn(20, 1, 32, 32)
    labels = torch.arange(20) % 10
    if objective == 'generator':
        expected = _algorithm_loss(algorithm, 'generator_distiller', images,
                                   labels)
        got = bare.generator_loss(images, labels)
    else:
        expected = _algorithm_loss(algorithm, 'distiller', images, labels)
        got = bare.student_loss(images, labels)
    # Every term counts: a dropped or mis-weighted one moves the sum by far
    # more than float noise.
    assert torch.allclose(got, expected, rtol=1e-5, atol=1e-5), (got, expected)


def test_bare_iteration_updates_student_and_generator_not_teacher(pair):
    cfg, _, bare, teacher_file = pair
    teacher = {k: v.clone() for k, v in bare.teacher.state_dict().items()}
    student = [p.clone() for p in bare.student.parameters()]
    generator = [p.clone() for p in bare.generator.parameters()]
    bare.iteration(batch_size=20)
    assert all(torch.equal(v, bare.teacher.state_dict()[k])
               for k, v in teacher.items())
    assert any(not torch.equal(a, b)
               for a, b in zip(student, bare.student.parameters()))
    assert any(not torch.equal(a, b)
               for a, b in zip(generator, bare.generator.parameters()))
    times = time_bare_loop(cfg, teacher_file, iters=2, batch_size=20,
                           warmup=1)
    assert len(times) == 2 and all(t > 0 for t in times)


def test_rejects_a_non_cpsc_config(pair):
    cfg, _, _, teacher_file = pair
    cfg.model.type = 'DataFreeDistillation'
    with pytest.raises(ValueError, match='expected a CPSC config'):
        BareCPSC(cfg, teacher_file)


@pytest.mark.parametrize('change, named', [
    (lambda m: m.generator_distiller.distill_losses.update(
        loss_div=dict(type='IntraClassDiversityLoss')),
     'generator_distiller.distill_losses.loss_div'),
    (lambda m: m.generator_distiller.distill_losses.loss_scl.update(
        positives='instance'), "loss_scl.positives='instance'"),
    (lambda m: m.distiller.distill_losses.loss_ikd.update(mode='mse'),
     "loss_ikd.mode='mse'"),
    (lambda m: m.distiller.distill_losses.loss_ce.update(
        confirmation='teacher_prob'), "loss_ce.confirmation='teacher_prob'"),
    (lambda m: m.distiller.distill_losses.pop('loss_kl'),
     'distiller.distill_losses.loss_kl is missing'),
    (lambda m: m.update(generator_augment=dict(type='RandomShift')),
     'model.generator_augment'),
    (lambda m: m.update(student_start_iter=40),
     'model.student_start_iter=40'),
    (lambda m: m.update(reset_generator_optimizer=True),
     'model.reset_generator_optimizer=True'),
])
def test_refuses_what_it_does_not_model(pair, change, named):
    cfg, _, _, teacher_file = pair
    change(cfg.model)
    with pytest.raises(ValueError, match='does not model') as error:
        BareCPSC(cfg, teacher_file)
    assert named in str(error.value)


def test_refuses_a_loss_weight_schedule(pair):
    cfg, _, _, teacher_file = pair
    cfg.custom_hooks = [dict(type='LossWeightScheduleHook', schedules=[
        dict(loss='generator_distiller.distill_losses.loss_ce',
             end_factor=5.0)])]
    with pytest.raises(ValueError, match='does not model.*custom_hooks: '
                       'LossWeightScheduleHook'):
        BareCPSC(cfg, teacher_file)
