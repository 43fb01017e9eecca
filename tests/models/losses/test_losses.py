"""Each CPSC loss against a value computed by hand on a tiny example."""
import math

import pytest
import torch
from mmpretrain.structures import DataSample
from mmrazor.registry import MODELS

E = math.e


def build(cfg):
    return MODELS.build(cfg)


class TestPseudoSupervisedContrast:

    def loss(self, **kwargs):
        return build(dict(type='PseudoSupervisedContrastLoss', **kwargs))

    def test_positive_is_the_other_view(self):
        # Views e1, e2 (student) and e1, e2 (teacher); tau = 1. Anchor e1:
        # similarities to (e2, e1', e2') = (0, 1, 0); its one positive is e1'.
        # loss = -(1 - log(e^0 + e^1 + e^0)) for every anchor.
        f = torch.eye(2)
        value = self.loss(temperature=1.0)(f, f.clone(), torch.tensor([0, 1]))
        assert value.item() == pytest.approx(math.log(2 + E) - 1, rel=1e-5)

    def test_same_class_samples_across_views_are_positives(self):
        # Same features, one class: anchor e1 has positives (e2, e1', e2')
        # with log-probs (0, 1, 0) - log(2 + e): loss = log(2 + e) - 1/3.
        f = torch.eye(2)
        value = self.loss(temperature=1.0)(f, f.clone(), torch.tensor([0, 0]))
        assert value.item() == pytest.approx(math.log(2 + E) - 1 / 3, rel=1e-5)

    def test_temperature_and_weight_and_normalisation(self):
        # Scaling features changes nothing (L2-normalised); tau = 0.5 doubles
        # the similarities; weight multiplies.
        f = torch.eye(2) * 3
        value = self.loss(temperature=0.5, loss_weight=2.0)(
            f, f.clone(), torch.tensor([0, 1]))
        expected = 2.0 * (math.log(2 + E**2) - 2)
        assert value.item() == pytest.approx(expected, rel=1e-5)

    def test_accepts_data_samples_and_feature_maps(self):
        f = torch.eye(2)[:, :, None, None].expand(2, 2, 3, 3)
        samples = [DataSample().set_gt_label(i) for i in (0, 1)]
        value = self.loss(temperature=1.0)((f, ), f.clone(), samples)
        assert value.item() == pytest.approx(math.log(2 + E) - 1, rel=1e-5)

    def test_width_mismatch_names_the_fix(self):
        with pytest.raises(ValueError, match='ProjectionHead'):
            self.loss()(torch.randn(4, 3), torch.randn(4, 5),
                        torch.tensor([0, 1, 0, 1]))

    def test_gradients_reach_both_views(self):
        f_s = torch.randn(6, 4, requires_grad=True)
        f_t = torch.randn(6, 4, requires_grad=True)
        self.loss()(f_s, f_t, torch.tensor([0, 0, 1, 1, 2, 2])).backward()
        assert f_s.grad.abs().sum() > 0 and f_t.grad.abs().sum() > 0

    def test_bad_temperature(self):
        with pytest.raises(ValueError, match='temperature'):
            self.loss(temperature=0)

    def test_instance_positives_ignore_the_class(self):
        # One class, but 'instance' keeps only the other view as positive:
        # the value of the two-class case above, not the one-class one.
        f = torch.eye(2)
        value = self.loss(temperature=1.0, positives='instance')(
            f, f.clone(), torch.tensor([0, 0]))
        assert value.item() == pytest.approx(math.log(2 + E) - 1, rel=1e-5)

    def test_instance_positives_push_same_class_samples_apart(self):
        # Two same-class samples close together: the class form pulls them
        # closer (gradient step shrinks their distance), the instance form
        # pushes them apart.
        base = torch.tensor([[1.0, 0.1], [1.0, -0.1]])
        labels = torch.tensor([0, 0])
        moved = {}
        for positives in ('class', 'instance'):
            f_t = base.clone().requires_grad_(True)
            self.loss(temperature=0.1, positives=positives)(
                base.clone(), f_t, labels).backward()
            stepped = torch.nn.functional.normalize(f_t - 0.01 * f_t.grad)
            moved[positives] = (stepped[0] - stepped[1]).norm().item()
        start = (torch.nn.functional.normalize(base)[0] -
                 torch.nn.functional.normalize(base)[1]).norm().item()
        assert moved['class'] < start < moved['instance']

    def test_teacher_confirmed_positives_follow_the_teacher(self):
        f_s, f_t = torch.randn(6, 4), torch.randn(6, 4)
        labels = torch.tensor([0, 0, 1, 1, 2, 2])
        agrees = torch.nn.functional.one_hot(labels, 3).float() * 5
        disagrees = torch.nn.functional.one_hot((labels + 1) % 3, 3) * 5.0
        confirmed = self.loss(positives='teacher_confirmed')
        # A teacher that confirms every label: the paper's class form.
        assert confirmed(f_s, f_t, labels, agrees).item() == pytest.approx(
            self.loss()(f_s, f_t, labels).item(), rel=1e-6)
        # One that confirms none: each sample's other view only.
        assert confirmed(f_s, f_t, labels, disagrees).item() == pytest.approx(
            self.loss(positives='instance')(f_s, f_t, labels).item(),
            rel=1e-6)
        # Confirmed samples 0 and 1 stay one class; 2..5 are on their own:
        # the same as labelling 2..5 apart by hand.
        mixed = torch.cat([agrees[:2], disagrees[2:]])
        apart = torch.tensor([0, 0, 7, 8, 9, 10])
        assert confirmed(f_s, f_t, labels, mixed).item() == pytest.approx(
            self.loss()(f_s, f_t, apart).item(), rel=1e-6)
        with pytest.raises(ValueError, match="needs the teacher's logits.*"
                           'teacher_logits=dict'):
            confirmed(f_s, f_t, labels)

    def test_bad_positives_lists_choices(self):
        with pytest.raises(ValueError, match="'class', 'instance'"):
            self.loss(positives='sample')


class TestLogitDistance:
    s = torch.tensor([[1.0, 2.0]])
    t = torch.tensor([[0.0, 0.0]])

    @pytest.mark.parametrize('mode,expected', [
        ('mse', 2.5),
        ('log_mse', math.log(2.5)),
        ('l2', math.sqrt(5)),
        ('log_l2', math.log(math.sqrt(5))),
    ])
    def test_forms(self, mode, expected):
        loss = build(dict(type='LogitDistanceLoss', mode=mode, eps=1e-12,
                          loss_weight=-2.0))
        assert loss(self.s, self.t).item() == pytest.approx(-2 * expected,
                                                            rel=1e-5)

    @pytest.mark.parametrize('mode', ['mse', 'log_mse', 'l2', 'log_l2'])
    def test_finite_value_and_gradient_when_logits_coincide(self, mode):
        s = torch.tensor([[0.3, -1.0]], requires_grad=True)
        value = build(dict(type='LogitDistanceLoss', mode=mode))(s, s.detach())
        value.backward()
        assert torch.isfinite(value) and torch.isfinite(s.grad).all()

    def test_teacher_detach(self):
        s = torch.randn(2, 3, requires_grad=True)
        t = torch.randn(2, 3, requires_grad=True)
        build(dict(type='LogitDistanceLoss', teacher_detach=True))(s,
                                                                   t).backward()
        assert t.grad is None and s.grad is not None

    def test_bad_mode_lists_choices(self):
        with pytest.raises(ValueError, match="'mse', 'log_mse'"):
            build(dict(type='LogitDistanceLoss', mode='huber'))


class TestConditionalCrossEntropy:

    def test_on_logits(self):
        loss = build(dict(type='ConditionalCrossEntropyLoss', loss_weight=0.5))
        value = loss(torch.tensor([[2.0, 0.0]]), torch.tensor([0]))
        assert value.item() == pytest.approx(0.5 * math.log(1 + E**-2),
                                             rel=1e-5)

    def test_reference_double_softmax(self):
        loss = build(dict(type='ConditionalCrossEntropyLoss',
                          reference_double_softmax=True))
        p = torch.tensor([2.0, 0.0]).softmax(0)
        expected = math.log(1 + math.exp(-(p[0] - p[1]).item()))
        value = loss(torch.tensor([[2.0, 0.0]]), torch.tensor([0]))
        assert value.item() == pytest.approx(expected, rel=1e-5)

    def test_data_sample_labels(self):
        loss = build(dict(type='ConditionalCrossEntropyLoss'))
        samples = [DataSample().set_gt_label(1)]
        value = loss(torch.tensor([[0.0, 0.0]]), samples)
        assert value.item() == pytest.approx(math.log(2), rel=1e-5)

    @pytest.mark.parametrize('confirmation', ['teacher_prob',
                                              'teacher_argmax'])
    def test_teacher_confirmation_weights_each_sample(self, confirmation):
        # Sample 0: teacher says y (p = 0.88); sample 1: teacher says not y
        # (p = 0.12). Student logits equal: per-sample CE = log 2 each.
        student = torch.zeros(2, 2, requires_grad=True)
        teacher = torch.tensor([[2.0, 0.0], [2.0, 0.0]], requires_grad=True)
        labels = torch.tensor([0, 1])
        loss = build(dict(type='ConditionalCrossEntropyLoss',
                          confirmation=confirmation))
        value = loss(student, labels, teacher_logits=teacher)
        p_y = torch.tensor([2.0, 0.0]).softmax(0)
        weights = ([p_y[0].item(), p_y[1].item()]
                   if confirmation == 'teacher_prob' else [1.0, 0.0])
        assert value.item() == pytest.approx(
            math.log(2) * sum(weights) / 2, rel=1e-5)
        value.backward()
        assert teacher.grad is None
        # The contradicted sample pulls less (argmax: not at all).
        assert student.grad[1].abs().sum() < student.grad[0].abs().sum()

    def test_confirmation_without_teacher_logits_names_the_mapping(self):
        loss = build(dict(type='ConditionalCrossEntropyLoss',
                          confirmation='teacher_prob'))
        with pytest.raises(ValueError, match='teacher_logits=dict'):
            loss(torch.zeros(2, 2), torch.tensor([0, 1]))
        with pytest.raises(ValueError, match="'none', 'teacher_prob'"):
            build(dict(type='ConditionalCrossEntropyLoss',
                       confirmation='student'))


class TestBNStatistics:

    def test_sum_of_norms_over_layers(self):
        one = (torch.tensor([1.0, 2.0]), torch.tensor([1.0, 1.0]),
               torch.zeros(2), torch.ones(2))
        two = (torch.zeros(3), torch.tensor([4.0, 1.0, 1.0]), torch.zeros(3),
               torch.ones(3))
        loss = build(dict(type='BNStatisticsLoss', loss_weight=2.0))
        assert loss([one, two]).item() == pytest.approx(
            2 * (math.sqrt(5) + 3.0), rel=1e-6)
        mean_loss = build(dict(type='BNStatisticsLoss', reduction='mean'))
        assert mean_loss([one, two]).item() == pytest.approx(
            (math.sqrt(5) + 3.0) / 2, rel=1e-6)

    def test_per_sample_statistics_average_the_images_distances(self):
        # Two images at one layer (C=2), buffers mean 0 / var 1: each image's
        # mean is off by a vector of length 5, in opposite directions.
        mean = torch.tensor([[-3.0, -4.0], [3.0, 4.0]])
        var = torch.ones(2, 2)
        stats = [(mean, var, torch.zeros(2), torch.ones(2))]
        loss = build(dict(type='BNStatisticsLoss'))
        assert loss(stats).item() == pytest.approx(5.0, rel=1e-6)
        # Their batch mean is exactly the buffer's: batch statistics see
        # nothing wrong with either image.
        batch = [(mean.mean(0), var.mean(0), torch.zeros(2), torch.ones(2))]
        assert loss(batch).item() == pytest.approx(0.0, abs=1e-6)

    def test_no_layers_is_an_error(self):
        with pytest.raises(ValueError, match='no BN statistics'):
            build(dict(type='BNStatisticsLoss'))([])


def test_losses_compute_in_float32_under_cpu_bf16_autocast():
    """CPUAutocastOptimWrapper hands bf16 logits and features to the losses;
    the logit distance, the contrast and the BN statistics stay float32
    (the log forms and the 1/0.07-scaled similarities need the precision)."""
    from mmrazor_cpsc.models.losses import (LogitDistanceLoss,
                                            PseudoSupervisedContrastLoss)
    torch.manual_seed(0)
    s, t = torch.randn(8, 10), torch.randn(8, 10)
    f_s, f_t = torch.randn(8, 16), torch.randn(8, 16)
    labels = torch.arange(8) % 4
    for loss, args in ((LogitDistanceLoss(mode='log_mse'), (s, t)),
                       (PseudoSupervisedContrastLoss(), (f_s, f_t, labels))):
        reference = loss(*[a.bfloat16().float() if a.is_floating_point()
                           else a for a in args])
        with torch.autocast('cpu', dtype=torch.bfloat16):
            got = loss(*[a.bfloat16() if a.is_floating_point() else a
                         for a in args])
        assert got.dtype == torch.float32
        torch.testing.assert_close(got, reference, rtol=1e-5, atol=1e-5)
