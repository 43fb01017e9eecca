"""Every CPSC distillation config computes the method's two objectives
(../shared/cpsc-method.md, "Losses"), term by term:

    L_G = -KL(t||s) - alpha*L_IKD(s, t) + beta*L_BN + gamma*L_SCL([f_s, f_t], y)
          + eta*CE(t, y)                  (teacher not detached: G needs its
                                           gradient through the teacher)
    L_S =  KL(t||s) + alpha*L_IKD(s, t) + eta*CE(s, y)   (teacher detached)

with the paper's alpha 5, beta 1, gamma 0.7, eta 0.7, tau 0.07. A flipped
sign, a zeroed or changed weight, a detached teacher in the generator step or
a term fed by the wrong model fails here.
"""
import glob
import os.path as osp

import pytest
from conftest import REPO
from mmengine.config import Config

CONFIGS = sorted(
    p for p in glob.glob(osp.join(REPO, 'configs', 'cpsc', 'cpsc[_-]*.py'))
    if 'generator_refine' not in p)
# Configs that add terms the paper does not have, each named with the
# paper-faithful config it extends (which this spec pins).
BEYOND_THE_PAPER = {
    'cpsc_wrn16-2_wrn16-1_cifar10.py': ('cpsc-paper_wrn16-2_wrn16-1_cifar10.py',
                                        {'loss_div'}),
}
ALPHA, BETA, GAMMA, ETA, TAU = 5.0, 1.0, 0.7, 0.7, 0.07
STUDENT, TEACHER = True, False
# Configs that ship a weight tools/tune.py chose on held-out validation
# images instead of the paper's: config -> (loss, tuned options file, key).
TUNED_WEIGHTS = {
    'cpsc_lenet5bn_lenet5half_mnist.py':
    ('loss_bn', 'docs/results/mnist_tuning.json',
     'model.generator_distiller.distill_losses.loss_bn.loss_weight'),
}

# loss name -> (type, weight, teacher_detach or None, {argument: (from_student,
# recorder)})
GENERATOR_TERMS = {
    'loss_adv_kl': ('KLDivergence', -1.0, False,
                    dict(preds_S=(STUDENT, 'logits'),
                         preds_T=(TEACHER, 'logits'))),
    'loss_adv_ikd': ('LogitDistanceLoss', -ALPHA, False,
                     dict(preds_S=(STUDENT, 'logits'),
                          preds_T=(TEACHER, 'logits'))),
    'loss_bn': ('BNStatisticsLoss', BETA, None,
                dict(bn_stats=(TEACHER, 'bn'))),
    'loss_scl': ('PseudoSupervisedContrastLoss', GAMMA, None,
                 dict(student_feats=(STUDENT, 'feats'),
                      teacher_feats=(TEACHER, 'feats'),
                      labels=(TEACHER, 'labels'))),
    'loss_ce': ('ConditionalCrossEntropyLoss', ETA, None,
                dict(logits=(TEACHER, 'logits'), labels=(TEACHER, 'labels'))),
}
STUDENT_TERMS = {
    'loss_kl': ('KLDivergence', 1.0, True,
                dict(preds_S=(STUDENT, 'logits'),
                     preds_T=(TEACHER, 'logits'))),
    'loss_ikd': ('LogitDistanceLoss', ALPHA, True,
                 dict(preds_S=(STUDENT, 'logits'),
                      preds_T=(TEACHER, 'logits'))),
    'loss_ce': ('ConditionalCrossEntropyLoss', ETA, None,
                dict(logits=(STUDENT, 'logits'),
                     labels=(STUDENT, 'labels'))),
}
# What each loss class does when the config leaves teacher_detach out.
DETACH_DEFAULT = {'KLDivergence': True, 'LogitDistanceLoss': False}


def tuned_terms(path, terms):
    """TERMS with the weight a config ships from its tuning file."""
    if osp.basename(path) not in TUNED_WEIGHTS:
        return terms
    import json
    name, source, key = TUNED_WEIGHTS[osp.basename(path)]
    with open(osp.join(REPO, source)) as f:
        tuned = json.load(f)['best_options']['CPSC'][key]
    kind, _, detach, inputs = terms[name]
    # The config writes the tuned value to four significant digits.
    return dict(terms, **{name: (kind, float(f'{tuned:.4g}'), detach,
                                 inputs)})


def check_distiller(distiller, terms):
    assert set(distiller.distill_losses) == set(terms)
    for name, (kind, weight, detach, inputs) in terms.items():
        loss = distiller.distill_losses[name]
        assert loss.type == kind, name
        assert loss.loss_weight == pytest.approx(weight), name
        if detach is not None:
            assert loss.get('teacher_detach',
                            DETACH_DEFAULT[kind]) is detach, name
        mapping = distiller.loss_forward_mappings[name]
        assert set(mapping) == set(inputs), name
        for argument, (from_student, recorder) in inputs.items():
            assert mapping[argument].from_student is from_student, (
                name, argument)
            assert mapping[argument].recorder == recorder, (name, argument)


def test_configs_found():
    assert len(CONFIGS) >= 11


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_is_the_method(path):
    model = Config.fromfile(path).model
    assert model.type == 'CPSCDataFreeDistillation'
    if osp.basename(path) in BEYOND_THE_PAPER:
        paper, extra = BEYOND_THE_PAPER[osp.basename(path)]
        paper_model = Config.fromfile(osp.join(osp.dirname(path),
                                               paper)).model
        gen = model.generator_distiller
        # The paper's terms unchanged; only the named extras added.
        assert set(gen.distill_losses) == set(
            paper_model.generator_distiller.distill_losses) | extra
        for name in extra:
            gen.distill_losses.pop(name)
            gen.loss_forward_mappings.pop(name)
        assert gen.distill_losses == \
            paper_model.generator_distiller.distill_losses
        assert model.distiller == paper_model.distiller
    check_distiller(model.generator_distiller,
                    tuned_terms(path, GENERATOR_TERMS))
    check_distiller(model.distiller, STUDENT_TERMS)
    losses = model.generator_distiller.distill_losses
    assert losses.loss_scl.temperature == pytest.approx(TAU)
    assert losses.loss_adv_kl.get('tau', 1.0) == 1.0
    # The student feature reaches the contrast through the projection head
    # (the authors' reference configs drop it where the widths are equal).
    scl = model.generator_distiller.loss_forward_mappings.loss_scl
    if 'connector' in scl.student_feats:
        assert scl.student_feats.connector == 'proj'
    else:
        assert path.endswith('_reference.py')
        assert (model.architecture.head.in_channels ==
                model.teacher.head.in_channels)
    # Both the recorders the terms read exist on the right model.
    gen = model.generator_distiller
    assert {'logits', 'feats'} <= set(gen.student_recorders)
    assert {'logits', 'feats', 'labels', 'bn'} <= set(gen.teacher_recorders)
    assert 'labels' in model.distiller.student_recorders
    assert model.generator_steps >= 1 and model.student_steps >= 1


def test_a_flipped_sign_fails_the_spec():
    model = Config.fromfile(CONFIGS[0]).model
    model.generator_distiller.distill_losses.loss_adv_kl.loss_weight = 1.0
    with pytest.raises(AssertionError):
        check_distiller(model.generator_distiller, GENERATOR_TERMS)
    model = Config.fromfile(CONFIGS[0]).model
    model.generator_distiller.distill_losses.loss_adv_ikd.teacher_detach = True
    with pytest.raises(AssertionError):
        check_distiller(model.generator_distiller, GENERATOR_TERMS)
