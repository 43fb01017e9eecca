"""CPSC-DFKD as a bare PyTorch loop: the speed reference for the benchmark.

    python .dev_scripts/bare_cpsc_loop.py CONFIG --teacher-ckpt PATH \
        [--iters 30]
        [--batch-size 256] [--out timing.json]

The same models (built from CONFIG), the same batch and the same math as
``CPSCDataFreeDistillation`` with the config's loss weights, but no Runner, no
hooks, no recorders, no distillers and no data samples (the config's
``CPUMemoryReuseHook`` setting, if any, is applied as in the Runner): per
iteration ``generator_steps`` generator updates, then ``student_steps`` student updates,
each on a fresh (z, y) batch, written directly against ``torch``. The ratio
(framework seconds per iteration / bare seconds per iteration) is the
framework's overhead. Learning-rate schedules are left out (one scalar update
per iteration; no measurable cost).

Supports the CPSC configs built on configs/_base_/models/cpsc_classifier_pair.py
(mmpretrain classifiers whose logits come out of ``head.fc``).
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Dict, List, Tuple

import torch
import torch.nn.functional as F
from torch import nn


class BareCPSC:
    """Teacher, student, generator, projection head and optimisers of a CPSC
    config, and the two CPSC objectives in plain PyTorch.

    Args:
        cfg (mmengine.Config): a CPSC config (``model.type`` is
            ``CPSCDataFreeDistillation``).
        teacher_ckpt (str): the teacher's checkpoint.
    """

    def __init__(self, cfg, teacher_ckpt: str) -> None:
        import mmrazor_cpsc  # noqa: F401  registers the components
        from mmpretrain.registry import MODELS as PRETRAIN_MODELS
        from mmrazor.registry import MODELS

        from mmrazor_cpsc.utils.checkpoint import load_teacher_checkpoint

        model = cfg.model
        if model.get('type') != 'CPSCDataFreeDistillation':
            raise ValueError('bare_cpsc_loop: expected a CPSC config '
                             "(model.type='CPSCDataFreeDistillation'), got "
                             f"{model.get('type')!r}.")
        self.teacher = PRETRAIN_MODELS.build(model.teacher)
        load_teacher_checkpoint(self.teacher, teacher_ckpt)
        self.teacher.eval().requires_grad_(False)
        self.student = PRETRAIN_MODELS.build(model.architecture)
        self.generator = MODELS.build(model.generator)
        gen_d = model.generator_distiller
        self.proj = MODELS.build(gen_d.connectors.proj)
        self.generator_steps = model.get('generator_steps', 1)
        self.student_steps = model.get('student_steps', 1)
        self.num_classes = self.generator.num_classes
        self.latent_dim = self.generator.latent_dim

        g_losses, s_losses = gen_d.distill_losses, model.distiller.distill_losses
        problems = unmodelled(cfg)
        if problems:
            raise ValueError('bare_cpsc_loop: the config uses what this loop '
                             'does not model, so its timing would not '
                             'compare equal work: ' + '; '.join(problems)
                             + '.')
        self.w_adv_kl = g_losses.loss_adv_kl.loss_weight
        self.w_adv_ikd = g_losses.loss_adv_ikd.loss_weight
        self.w_bn = g_losses.loss_bn.loss_weight
        self.bn_reduction = g_losses.loss_bn.get('reduction', 'sum')
        self.w_scl = g_losses.loss_scl.loss_weight
        self.tau_scl = g_losses.loss_scl.temperature
        self.w_gen_ce = g_losses.loss_ce.loss_weight
        self.w_kl = s_losses.loss_kl.loss_weight
        self.w_ikd = s_losses.loss_ikd.loss_weight
        self.w_stu_ce = s_losses.loss_ce.loss_weight

        optim = cfg.optim_wrapper
        self.opt_student = _optimizer(self.student.parameters(),
                                      optim.architecture.optimizer)
        self.opt_generator = _optimizer(self.generator.parameters(),
                                        optim.generator.optimizer)
        self.opt_proj = _optimizer(self.proj.parameters(),
                                   optim.generator_distiller.optimizer)

        # BN statistics of the teacher's inputs, collected by plain forward
        # pre-hooks while `self._bn_stats` is a list.
        self._bn_stats = None
        for module in self.teacher.modules():
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                module.register_forward_pre_hook(self._collect_bn)

    def _collect_bn(self, module: nn.Module, inputs: Tuple) -> None:
        if self._bn_stats is None:
            return
        x = inputs[0]
        dims = [0] + list(range(2, x.dim()))
        self._bn_stats.append(
            (x.mean(dims), x.var(dims, unbiased=False), module.running_mean,
             module.running_var))

    @staticmethod
    def _logits_and_feats(model: nn.Module,
                          images: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        feats = model.head.pre_logits(model.extract_feat(images))
        return model.head.fc(feats), feats

    def sample(self, batch_size: int) -> Tuple[torch.Tensor, torch.Tensor]:
        """Class-balanced labels and noise, as the algorithm draws them."""
        from mmrazor_cpsc.models.utils import sample_pseudo_labels
        labels = sample_pseudo_labels(batch_size, self.num_classes)
        return torch.randn(batch_size, self.latent_dim), labels

    def generator_loss(self, images: torch.Tensor,
                       labels: torch.Tensor) -> torch.Tensor:
        """L_G = -KL(t||s) - alpha*log MSE + beta*L_BN + gamma*L_SCL
        + eta*CE(t, y), with the config's signs and weights."""
        s_logits, s_feats = self._logits_and_feats(self.student, images)
        self._bn_stats = []
        try:
            t_logits, t_feats = self._logits_and_feats(self.teacher, images)
            bn_stats = self._bn_stats
        finally:
            self._bn_stats = None
        bn = torch.stack([
            torch.linalg.vector_norm(m - rm) + torch.linalg.vector_norm(v - rv)
            for m, v, rm, rv in bn_stats
        ])
        bn = bn.sum() if self.bn_reduction == 'sum' else bn.mean()
        return (self.w_adv_kl * _kl(s_logits, t_logits) +
                self.w_adv_ikd * _log_mse(s_logits, t_logits) +
                self.w_bn * bn +
                self.w_scl * _supcon(self.proj(s_feats), t_feats, labels,
                                     self.tau_scl) +
                self.w_gen_ce * F.cross_entropy(t_logits, labels))

    def student_loss(self, images: torch.Tensor,
                     labels: torch.Tensor) -> torch.Tensor:
        """L_S = KL(t||s) + alpha*log MSE + eta*CE(s, y)."""
        s_logits, _ = self._logits_and_feats(self.student, images)
        with torch.no_grad():
            t_logits, _ = self._logits_and_feats(self.teacher, images)
        return (self.w_kl * _kl(s_logits, t_logits) +
                self.w_ikd * _log_mse(s_logits, t_logits.detach()) +
                self.w_stu_ce * F.cross_entropy(s_logits, labels))

    def iteration(self, batch_size: int) -> None:
        """One CPSC iteration: generator updates, then student updates."""
        gen_params = list(self.generator.parameters()) + list(
            self.proj.parameters())
        for _ in range(self.generator_steps):
            z, y = self.sample(batch_size)
            loss = self.generator_loss(self.generator(z, y), y)
            self.opt_generator.zero_grad()
            self.opt_proj.zero_grad()
            loss.backward(inputs=gen_params)
            self.opt_generator.step()
            self.opt_proj.step()
        for _ in range(self.student_steps):
            z, y = self.sample(batch_size)
            with torch.no_grad():
                images = self.generator(z, y)
            loss = self.student_loss(images, y)
            self.opt_student.zero_grad()
            loss.backward()
            self.opt_student.step()

    def train(self) -> None:
        self.student.train()
        self.generator.train()
        self.proj.train()
        self.teacher.eval()


# The losses written here and the options each may set; anything else in a
# config would be timed against different math, so it is refused.
MODELLED_LOSSES = {
    'generator_distiller': {
        'loss_adv_kl': dict(type='KLDivergence', options={
            'tau': 1.0, 'reduction': 'batchmean'}),
        'loss_adv_ikd': dict(type='LogitDistanceLoss', options={
            'mode': 'log_mse'}),
        'loss_bn': dict(type='BNStatisticsLoss', options={}),
        'loss_scl': dict(type='PseudoSupervisedContrastLoss', options={
            'positives': 'class'}),
        'loss_ce': dict(type='ConditionalCrossEntropyLoss', options={
            'label_smoothing': 0.0, 'reference_double_softmax': False,
            'confirmation': 'none'}),
    },
    'distiller': {
        'loss_kl': dict(type='KLDivergence', options={
            'tau': 1.0, 'reduction': 'batchmean'}),
        'loss_ikd': dict(type='LogitDistanceLoss', options={
            'mode': 'log_mse'}),
        'loss_ce': dict(type='ConditionalCrossEntropyLoss', options={
            'label_smoothing': 0.0, 'reference_double_softmax': False,
            'confirmation': 'none'}),
    },
}
# Options of the algorithm the loop does not implement, with their defaults.
MODELLED_ALGORITHM_OPTIONS = {'generator_augment': None,
                              'label_sampling': 'balanced',
                              'reset_generator_optimizer': False,
                              'student_start_iter': 0}
# Hooks that change the losses during training (the loop's weights are fixed).
LOSS_CHANGING_HOOKS = ('LossWeightScheduleHook', )


def unmodelled(cfg) -> List[str]:
    """Every loss, option or hook of a CPSC config that this loop does not
    compute (empty: the loop times the config's math)."""
    model = cfg.model
    problems = []
    for part, losses in (('generator_distiller',
                          model.generator_distiller.distill_losses),
                         ('distiller', model.distiller.distill_losses)):
        modelled = MODELLED_LOSSES[part]
        for name, loss in losses.items():
            if name not in modelled:
                problems.append(f'{part}.distill_losses.{name} '
                                f'({loss.get("type")}) is not written here')
                continue
            spec = modelled[name]
            if loss.get('type', '').split('.')[-1] != spec['type']:
                problems.append(f'{part}.distill_losses.{name} is '
                                f"{loss.get('type')}, not {spec['type']}")
            for option, value in spec['options'].items():
                if option in loss and loss[option] != value:
                    problems.append(f'{part}.distill_losses.{name}.{option}='
                                    f'{loss[option]!r} (only {value!r})')
        for name in set(modelled) - set(losses):
            problems.append(f'{part}.distill_losses.{name} is missing')
    for option, value in MODELLED_ALGORITHM_OPTIONS.items():
        if model.get(option, value) != value:
            problems.append(f'model.{option}={model.get(option)!r} (only '
                            f'{value!r})')
    for hook in cfg.get('custom_hooks', []):
        if hook.get('type', '').split('.')[-1] in LOSS_CHANGING_HOOKS:
            problems.append(f"custom_hooks: {hook['type']} (fixed loss "
                            'weights only)')
    return sorted(problems)


def _optimizer(params, cfg: Dict) -> torch.optim.Optimizer:
    cfg = dict(cfg)
    return getattr(torch.optim, cfg.pop('type'))(params, **cfg)


def _kl(s_logits: torch.Tensor, t_logits: torch.Tensor) -> torch.Tensor:
    # MMRazor's KLDivergence at tau=1, batchmean.
    return F.kl_div(F.log_softmax(s_logits, 1), F.softmax(t_logits, 1),
                    reduction='batchmean')


def _log_mse(s_logits: torch.Tensor, t_logits: torch.Tensor,
             eps: float = 1e-6) -> torch.Tensor:
    return torch.log((s_logits - t_logits).pow(2).mean() + eps)


def _supcon(f_s: torch.Tensor, f_t: torch.Tensor, labels: torch.Tensor,
            temperature: float) -> torch.Tensor:
    views = F.normalize(torch.cat([f_s, f_t]), dim=1)
    y = torch.cat([labels, labels])
    eye = torch.eye(len(y), dtype=torch.bool)
    logits = (views @ views.t() / temperature).masked_fill(eye, float('-inf'))
    log_prob = logits - torch.logsumexp(logits, 1, keepdim=True)
    positives = (y[:, None] == y[None, :]) & ~eye
    return -(log_prob.masked_fill(~positives, 0).sum(1) /
             positives.sum(1)).mean()


def time_bare_loop(cfg, teacher_ckpt: str, iters: int, batch_size: int,
                   seed: int = 0, warmup: int = 2) -> List[float]:
    """Seconds of each of ``iters`` timed iterations (after ``warmup``)."""
    torch.manual_seed(seed)
    # The framework run's process-wide settings apply here too, or the
    # overhead ratio would compare allocators instead of code.
    for hook in cfg.get('custom_hooks', []):
        if hook['type'] == 'CPUMemoryReuseHook':
            from mmrazor_cpsc.utils.allocator import keep_freed_memory
            keep_freed_memory(**{k: v for k, v in hook.items()
                                 if k != 'type'})
    bare = BareCPSC(cfg, teacher_ckpt)
    bare.train()
    times = []
    for i in range(warmup + iters):
        start = time.perf_counter()
        bare.iteration(batch_size)
        if i >= warmup:
            times.append(time.perf_counter() - start)
    return times


def main() -> None:
    from mmengine.config import Config
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('--teacher-ckpt', required=True)
    parser.add_argument('--iters', type=int, default=30)
    parser.add_argument('--batch-size', type=int, default=None)
    parser.add_argument('--out', default=None,
                        help='write {s_per_iter, iter_times_s} to this JSON')
    args = parser.parse_args()
    cfg = Config.fromfile(args.config)
    batch = args.batch_size or cfg.train_dataloader.batch_size
    times = time_bare_loop(cfg, args.teacher_ckpt, args.iters, batch)
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(dict(s_per_iter=statistics.median(times),
                           iter_times_s=times, batch_size=batch), f)
    print(f'bare CPSC loop: median {statistics.median(times):.4f} s/iter over '
          f'{len(times)} iterations (batch {batch})')


if __name__ == '__main__':
    main()
