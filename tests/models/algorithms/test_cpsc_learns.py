"""CPSC learns: a few dozen real train_steps on the tiny MNIST pair move the
student toward its teacher and the generator toward the labels it is asked
for. The teacher is a LeNet-5-BN trained in the fixture on a synthetic
10-class task (class k = a bright patch at the k-th place of a 4x3 grid, in
noise), so its decisions are sharp and learnable. Fails when the student is
never updated or the generator's cross-entropy term does nothing."""
import copy

import pytest
import torch
import torch.nn.functional as F
from conftest import build_algorithm, small_mnist_cfg
from mmengine.dataset import pseudo_collate
from mmpretrain.registry import MODELS as PRETRAIN_MODELS
from mmrazor.registry import DATASETS

BATCH, ITERS = 40, 30


def pattern_images(labels):
    images = 0.3 * torch.randn(len(labels), 1, 32, 32)
    for i, k in enumerate(labels.tolist()):
        row, col = divmod(k, 4)
        images[i, :, 2 + 10 * row:10 + 10 * row, 1 + 8 * col:7 + 8 * col] += 3
    return images


@pytest.fixture(scope='module')
def pattern_teacher(tmp_path_factory):
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    teacher = PRETRAIN_MODELS.build(small_mnist_cfg().model.teacher)
    teacher.init_weights()
    optimizer = torch.optim.SGD(teacher.parameters(), lr=0.05, momentum=0.9)
    teacher.train()
    for _ in range(60):
        labels = torch.randint(10, (64, ))
        loss = F.cross_entropy(
            teacher(pattern_images(labels), mode='tensor'), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    teacher.eval()
    labels = torch.arange(200) % 10
    with torch.no_grad():
        accuracy = (teacher(pattern_images(labels), mode='tensor').argmax(1)
                    == labels).float().mean()
    assert accuracy > 0.95  # a competent teacher, or the test means nothing
    path = tmp_path_factory.mktemp('teacher') / 'pattern_teacher.pth'
    torch.save(teacher.state_dict(), path)
    torch.set_num_threads(threads)
    return str(path)


def train(teacher_ckpt, iters=ITERS, eta=None, generator_lr=None,
          **overrides):
    cfg = small_mnist_cfg(**overrides)
    cfg.model.teacher_ckpt = teacher_ckpt
    if generator_lr is not None:
        cfg.optim_wrapper.generator.optimizer.lr = generator_lr
    if eta is not None:
        cfg.model.generator_distiller.distill_losses.loss_ce.loss_weight = eta
    torch.manual_seed(0)
    model, optim_wrapper = build_algorithm(cfg)
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    data = pseudo_collate([dataset[i] for i in range(BATCH)])
    start = copy.deepcopy(model.student).eval()
    model.train()
    agreements = []
    for _ in range(iters):
        log_vars = model.train_step(data, optim_wrapper)
        agreements.append(float(log_vars['gen.teacher_agreement']))
    model.eval()
    return model, start, agreements


def agreement(teacher, student, images):
    with torch.no_grad():
        return (student(images, mode='tensor').argmax(1) == teacher(
            images, mode='tensor').argmax(1)).float().mean().item()


@pytest.fixture
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_student_moves_toward_the_teacher(pattern_teacher, one_thread):
    model, start, _ = train(pattern_teacher, student_steps=5)
    torch.manual_seed(1)
    # Judged on the teacher's own task, which the student never saw.
    images = pattern_images(torch.arange(400) % 10)
    before = agreement(model.teacher, start, images)
    after = agreement(model.teacher, model.student, images)
    assert after > before + 0.2, (before, after)


def test_generator_draws_the_asked_class_only_with_its_ce_term(
        pattern_teacher, one_thread):
    late = {}
    for eta in (5.0, 0.0):
        _, _, agreements = train(pattern_teacher, eta=eta, student_steps=1,
                                 generator_lr=1e-2)
        late[eta] = sum(agreements[-10:]) / 10
    # Measured: 0.21 with the term, 0.10 (chance) without. The pull is weak
    # against the adversarial terms (issue 15); what is pinned here is that
    # the term pulls at all.
    assert late[5.0] > late[0.0] + 0.05, late
