"""The CPSC-DFKD update schedule: generator steps, then student steps."""
from __future__ import annotations

import contextlib
import difflib
import logging
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
from mmengine.dist import all_reduce_params, get_world_size
from mmengine.logging import MessageHub, print_log
from mmengine.model import BaseModel, is_model_wrapper
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmrazor.models.algorithms.base import BaseAlgorithm
from mmrazor.models.utils import add_prefix
from mmrazor.registry import MODELS, TASK_UTILS
from torch import nn

from ...structures import LabelledSamples
from ...utils import load_teacher_checkpoint
from ...utils.checkpoint import (check_teacher_normalization,
                                 pretrained_weights)
from ..task_modules.replay import replay_into_records
from ..utils.cross_rank import (across_ranks, convert_cross_rank_batchnorm,
                                local_only)
from ..utils.label_sampling import (LABEL_SAMPLING, sample_pseudo_labels,
                                    sample_pseudo_labels_across_ranks)

# Sub-modules trained in each step, paired with their optim_wrapper key.
GENERATOR_PARTS = ('generator', 'generator_distiller')
STUDENT_PARTS = ('architecture', 'distiller')


@MODELS.register_module()
class CPSCDataFreeDistillation(BaseAlgorithm):
    """Conditional pseudo-supervised contrast for data-free distillation.

    Shao et al., "Conditional Pseudo-Supervised Contrast for Data-Free
    Knowledge Distillation", Pattern Recognition 143 (2023), Alg. 1. Each
    training iteration runs ``generator_steps`` generator updates, then
    ``student_steps`` student updates, each on a fresh batch of noise ``z``
    and labels ``y``:

    * generator step: ``x = G(z, y)``; teacher and student see ``x`` under the
      ``generator_distiller``'s recorders; its losses form L_G (Eq. 11: e.g.
      -KL, -L_IKD, L_BN, L_SCL, CE(t, y) with their weights as configured),
      and only the generator (and ``generator_distiller`` connectors, e.g. the
      projection head) receive gradients.
    * student step: ``x = G(z, y)`` without gradient; the ``distiller``'s
      losses form L_S (Eq. 12: KL, L_IKD, CE(s, y)); only the student (and
      ``distiller`` connectors) receive gradients.

    Gradients are isolated explicitly: each step back-propagates into exactly
    the parameters it updates (``backward(inputs=...)``), so no step leaves
    stale gradients in another part (MMRazor's ``DataFreeDistillation`` leaks
    the generator loss into the student). The teacher is frozen and always in
    eval mode; its BN buffers never change.

    Losses come from MMRazor ``ConfigurableDistiller`` s, so any MMRazor loss,
    recorder or connector mixes in by config. The pseudo labels reach losses
    through a ``GtLabels`` recorder: the models are called with data samples
    carrying ``gt_label = y``.

    Args:
        architecture (dict | BaseModel): the student (an mmpretrain
            classifier, e.g. ``cfg_path='mmpretrain::...'``).
        teacher (dict | BaseModel): the teacher classifier.
        generator (dict): the generator, called as ``G(z, y)`` (e.g.
            ``CPSCGenerator``); must expose ``latent_dim`` and
            ``num_classes``.
        distiller (dict): ``ConfigurableDistiller`` of the student step.
        generator_distiller (dict): ``ConfigurableDistiller`` of the
            generator step.
        teacher_ckpt (str, optional): teacher weights, read with PyTorch's
            weights-only loader.
        generator_steps (int): generator updates per iteration. Defaults to 1.
        student_steps (int): student updates per iteration; 0 trains the
            generator alone (see ``configs/cpsc/*_generator_refine_*``).
            Defaults to 5.
        student_start_iter (int): a head start for the generator: in the
            first ``student_start_iter`` iterations only the generator is
            updated. Not in the paper. Why: a random generator's images all
            look like one class to the teacher, so the teacher's outputs are
            nearly constant and the student's cheapest match is a constant
            output; on the CIFAR-10 CPU pair it reached it by driving its last
            BN-ReLU to zero for every input within 20-30 iterations, and dead
            units never recover (research/cifar10_cpu_log.md, "Collapse and the
            generator head start"). With a
            head start the teacher already tells the classes apart when the
            student begins. The count is the runner's iteration (so a resumed
            run does not repeat it). Defaults to 0.
        label_sampling (str): 'balanced' (every class equally often, random
            remainder) or 'uniform' (i.i.d.). Defaults to 'balanced'.
        generator_augment (dict, optional): a module (e.g. ``RandomShift``)
            applied to the synthetic images before the critics see them in
            the generator step, so the generator must satisfy the teacher
            under that augmentation (model inversion's jitter). Not part of
            the paper's method; the student step and the generator's own
            output are unaffected. Defaults to None (no augmentation).
        student_augment (dict, optional): a module (e.g. ``RandomCropFlip``)
            applied to the fresh synthetic images of every student step
            before teacher and student see them (so the teacher's targets
            are for the augmented images). Not part of the paper (CMI and
            Fast-DFKD augment their synthetic images for the student).
            Defaults to None (no augmentation).
        reset_generator_optimizer (bool): clear the optimiser state (e.g.
            Adam's moments) of the generator step's parts before every
            generator update, as the authors' code does by creating a new
            Adam per step (a defect of the reference, reproduced only for
            ``*_reference`` configs). Defaults to False.
        labels_across_ranks (bool): with several processes, 'balanced'
            labels balance the global batch (rank 0 draws it, each rank
            takes its slice) instead of each rank's own. Defaults to True.
        batchnorm_across_ranks (bool): with several processes, the
            generator's and the student's BatchNorm layers normalise with the
            statistics of the global batch (``CrossRankBatchNorm2d``, which
            also runs on CPU/gloo, unlike ``torch.nn.SyncBatchNorm``) and the
            teacher, frozen in eval mode, is left alone. mmengine's
            ``sync_bn`` option is not a substitute: it converts the teacher
            too, which drops the BN-statistics recorder's hooks, and its
            torch implementation needs GPUs. Defaults to True.
        generator_batch_size (int, optional): synthetic images per generator
            step, when it should differ from the training batch (which sets
            the student steps' batch). The generator step back-propagates
            through teacher and student, so it costs about two fresh student
            steps; a smaller batch makes it cheaper at the price of noisier
            batch statistics (L_BN) and fewer contrast pairs. Not in the
            paper. Defaults to None (the training batch).
        replay_bank (dict, optional): a ``SyntheticReplayBank``: each student
            batch is then partly fresh (generated, seen by the teacher, then
            stored) and partly replayed from the bank with the teacher's
            stored records, so replayed samples cost no generator or teacher
            forward. The generator step is unchanged. Not part of the paper
            (CMI / Fast-DFKD's memory). Defaults to None (every student
            batch fresh, as in the paper).
        check_finite (bool): stop with an error naming the loss term when any
            term is NaN/Inf. Defaults to True.
        data_preprocessor (dict, optional): preprocessor of the *real*
            validation images; synthetic images are produced directly in the
            normalised input space.
        init_cfg (dict, optional): mmengine initialisation config.

    Data:
        ``train_step`` reads only the batch size from ``data`` (e.g. from
        ``DataFreeDataset``); no training images are needed.
    """
    LABEL_SAMPLING = LABEL_SAMPLING

    def __init__(self,
                 architecture: Union[BaseModel, Dict],
                 teacher: Union[BaseModel, Dict],
                 generator: Dict,
                 distiller: Dict,
                 generator_distiller: Dict,
                 teacher_ckpt: Optional[str] = None,
                 generator_steps: int = 1,
                 student_steps: int = 5,
                 student_start_iter: int = 0,
                 label_sampling: str = 'balanced',
                 generator_augment: Optional[Dict] = None,
                 student_augment: Optional[Dict] = None,
                 reset_generator_optimizer: bool = False,
                 labels_across_ranks: bool = True,
                 batchnorm_across_ranks: bool = True,
                 generator_batch_size: Optional[int] = None,
                 replay_bank: Optional[Dict] = None,
                 check_finite: bool = True,
                 data_preprocessor: Optional[Union[Dict, nn.Module]] = None,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(architecture, data_preprocessor, init_cfg)
        for name, count, unit in (
                ('generator_steps', generator_steps, 'updates per iteration'),
                ('student_steps', student_steps, 'updates per iteration'),
                ('student_start_iter', student_start_iter,
                 'generator-only iterations')):
            if not isinstance(count, int) or count < 0:
                raise ValueError(
                    f'CPSCDataFreeDistillation: {name} must be an integer >= 0'
                    f' ({unit}), got {count!r}.')
        if generator_batch_size is not None and (
                isinstance(generator_batch_size, bool)
                or not isinstance(generator_batch_size, int)
                or generator_batch_size < 2):
            raise ValueError(
                'CPSCDataFreeDistillation: generator_batch_size must be an '
                'integer >= 2 (images per generator step; None = the '
                f'training batch), got {generator_batch_size!r}.')
        if generator_steps + student_steps == 0:
            raise ValueError(
                'CPSCDataFreeDistillation: generator_steps and student_steps '
                'are both 0, so nothing would be trained. Use student_steps=0 '
                'to train the generator alone (e.g. to refine it for use as a '
                'dataset), generator_steps=0 to train the student alone.')
        if label_sampling not in self.LABEL_SAMPLING:
            raise ValueError(
                f'CPSCDataFreeDistillation: label_sampling must be one of '
                f'{self.LABEL_SAMPLING}, got {label_sampling!r}.')
        self.generator_steps = generator_steps
        self.generator_batch_size = generator_batch_size
        self.student_steps = student_steps
        self.student_start_iter = student_start_iter
        # Iterations run by this object, for use outside a Runner (whose
        # message hub holds the true, resumable count).
        self._iterations_run = 0
        self.label_sampling = label_sampling
        self.labels_across_ranks = labels_across_ranks
        self.check_finite = check_finite
        self.reset_generator_optimizer = reset_generator_optimizer
        self._warned_small_batch = False

        self.teacher, teacher_meta = self._build_teacher(teacher,
                                                         teacher_ckpt)
        check_teacher_normalization(teacher_meta, data_preprocessor,
                                    teacher_ckpt)
        # The classes the teacher was trained on (mmengine records them),
        # for TeacherAccuracyHook to compare with the validation set's.
        self.teacher_classes = (teacher_meta.get('dataset_meta')
                                or {}).get('classes')
        self.generator = MODELS.build(generator)
        _check_output_bounds(self.generator, data_preprocessor)
        self.generator_augment = (MODELS.build(generator_augment)
                                  if generator_augment else nn.Identity())
        self.student_augment = (MODELS.build(student_augment)
                                if student_augment else nn.Identity())
        for attr in ('latent_dim', 'num_classes'):
            if not hasattr(self.generator, attr):
                raise TypeError(
                    f'CPSCDataFreeDistillation: the generator '
                    f'{type(self.generator).__name__} has no `{attr}`; use a '
                    'class-conditional generator such as CPSCGenerator.')
        # Read once here: under DDP the generator becomes a wrapper that
        # does not expose them (MMRazor's DataFreeDistillation reaches into
        # `.module` for this and so fails in a single process).
        self.latent_dim: int = self.generator.latent_dim
        self.num_classes: int = self.generator.num_classes
        if across_ranks(batchnorm_across_ranks):
            # Before the recorders hook into the student: converted layers
            # are new modules. (Runner builds the model after init_dist.)
            self.generator = convert_cross_rank_batchnorm(self.generator)
            self.architecture = convert_cross_rank_batchnorm(
                self.architecture)
        self.distiller = MODELS.build(distiller)
        self.generator_distiller = MODELS.build(generator_distiller)
        self.replay_bank = (TASK_UTILS.build(replay_bank)
                            if replay_bank else None)
        for name in ('distiller', 'generator_distiller'):
            _prepare_recorders(name, getattr(self, name), self.student,
                               self.teacher)
        # Plain references that survive DDP wrapping: the runner's
        # MMSeparateDistributedDataParallel wraps every child with trainable
        # parameters (the generator distiller holds the projection head), and
        # the wrapper hides the recorders and compute_distill_losses.
        self._distillers = dict(generator_distiller=self.generator_distiller,
                                distiller=self.distiller)
        self.register_state_dict_post_hook(_drop_wrapper_segments)
        self.register_load_state_dict_pre_hook(_add_wrapper_segments)
        self._check_generator_fits_models()
        if get_world_size() > 1:
            self._log_cross_rank_terms(batchnorm_across_ranks)

    # ------------------------------------------------------------------ build
    def _log_cross_rank_terms(self, batchnorm: bool) -> None:
        """Say which batch-coupled terms see the global batch, so a
        multi-process run shows whether it computes the one-process method."""
        global_terms, local_terms = [], []
        for name, distiller in self._distillers.items():
            for loss_name, loss in distiller.distill_losses.items():
                if hasattr(loss, 'gather_across_ranks'):
                    (global_terms if loss.gather_across_ranks else
                     local_terms).append(f'{name}.{loss_name}')
        (global_terms if self.labels_across_ranks else
         local_terms).append(f'{self.label_sampling} labels')
        (global_terms if batchnorm else
         local_terms).append('BatchNorm of generator and student')
        print_log(
            f'CPSC on {get_world_size()} processes: over the global batch: '
            f'{", ".join(global_terms) or "nothing"}; per process: '
            f'{", ".join(local_terms) or "nothing"}.', logger='current')

    @property
    def student(self) -> nn.Module:
        """Alias for ``architecture``."""
        return self.architecture

    @staticmethod
    def _build_teacher(teacher: Union[BaseModel, Dict],
                       teacher_ckpt: Optional[str]
                       ) -> Tuple[BaseModel, Dict]:
        """The teacher, loaded from ``teacher_ckpt`` when given, and that
        checkpoint's ``meta`` (empty without one)."""
        if isinstance(teacher, dict):
            # A model-zoo teacher (cfg_path, pretrained=True or a URL) is
            # built without weights and loaded safely below, not by
            # get_model, which unpickles downloads fully.
            weights = pretrained_weights(teacher)
            if weights is not None:
                teacher = dict(teacher, pretrained=False)
                teacher_ckpt = teacher_ckpt or weights
            teacher = MODELS.build(teacher)
        if not isinstance(teacher, BaseModel):
            raise TypeError('CPSCDataFreeDistillation: teacher must be a config '
                            f'dict or a BaseModel, got {type(teacher)}.')
        meta = {}
        if teacher_ckpt:
            meta = load_teacher_checkpoint(teacher, teacher_ckpt)
            # Keep the runner's init_weights() from overwriting loaded weights.
            teacher._is_init = True
        teacher.requires_grad_(False)
        teacher.eval()
        return teacher, meta

    def _check_generator_fits_models(self) -> None:
        """Dry-run two synthetic images through both models and distillers.

        Catches at build time what would otherwise fail deep inside the
        first training step: a generator whose images the teacher cannot
        take, a class-count mismatch, features of different widths with no
        projection head, a loss mapping that does not fit.
        """
        rng = torch.Generator().manual_seed(0)
        z = torch.randn(2, self.latent_dim, generator=rng)
        labels = torch.tensor([0, min(1, self.num_classes - 1)])
        modes = {m: m.training for m in (self.generator, self.student)}
        for module in modes:
            module.eval()  # no BN running-statistics update from the dry run
        try:
            # local_only: a build-time check communicates with no other rank.
            with torch.no_grad(), local_only():
                images = self.generator(z, labels)
                for role, model in (('teacher', self.teacher),
                                    ('student', self.student)):
                    self._check_model_takes(role, model, images)
                for name, distiller in self._distillers.items():
                    try:
                        self._run_critics(distiller, images, labels,
                                          student_grad_sync=True)
                        distiller.compute_distill_losses()
                    except Exception as err:
                        raise ValueError(
                            f'CPSCDataFreeDistillation: `{name}` cannot '
                            f'compute its losses ({type(err).__name__}: '
                            f'{err}). Check its recorders, connectors and '
                            'loss_forward_mappings.') from None
        finally:
            for module, training in modes.items():
                module.train(training)

    def _check_model_takes(self, role: str, model: nn.Module,
                           images: torch.Tensor) -> None:
        try:
            logits = model(images, None, mode='tensor')
        except Exception as err:
            raise ValueError(
                'CPSCDataFreeDistillation: the generator output '
                f'{tuple(images.shape[1:])} (C, H, W) does not fit the {role} '
                f"({type(err).__name__}: {err}). Set the generator's "
                f"out_channels and img_size to the {role}'s input.") from None
        if logits.shape[-1] != self.num_classes:
            raise ValueError(
                f'CPSCDataFreeDistillation: the generator has '
                f'num_classes={self.num_classes} but the {role} predicts '
                f'{logits.shape[-1]} classes. Set generator.num_classes to '
                'the number of classes of the teacher.')

    def train(self, mode: bool = True) -> 'CPSCDataFreeDistillation':
        super().train(mode)
        # The teacher is a fixed critic: BN uses (and never updates) its
        # running statistics.
        self.teacher.eval()
        if self.student_steps == 0:
            # Generator-only training: the student is a fixed critic too, and
            # its BN statistics must not drift towards the synthetic batches.
            self.student.eval()
        return self

    # ------------------------------------------------------------------ steps
    def sample_labels(self, batch_size: int,
                      device: torch.device) -> torch.Tensor:
        """Pseudo labels y for one step, shape (batch_size,); this rank's
        slice of a globally balanced batch with several processes
        (``labels_across_ranks``)."""
        if across_ranks(self.labels_across_ranks):
            return sample_pseudo_labels_across_ranks(
                batch_size, self.num_classes, self.label_sampling, device)
        return sample_pseudo_labels(batch_size, self.num_classes,
                                    self.label_sampling, device)

    def sample_latent(self, batch_size: int,
                      device: torch.device) -> torch.Tensor:
        """Noise z for one step, shape (batch_size, latent_dim)."""
        return torch.randn(batch_size, self.latent_dim, device=device)

    def synthesize(self, batch_size: int,
                   device: torch.device) -> Tuple[torch.Tensor, torch.Tensor]:
        """Fresh (images, labels) from the generator (gradients as the caller's
        autograd mode allows)."""
        labels = self.sample_labels(batch_size, device)
        z = self.sample_latent(batch_size, device)
        return self.generator(z, labels), labels

    def _run_critics(self, distiller, images: torch.Tensor,
                     labels: torch.Tensor,
                     student_grad_sync: bool) -> torch.Tensor:
        """Teacher and student forward under ``distiller``'s recorders.

        Returns the teacher logits.
        """
        samples = LabelledSamples(labels)
        sync = (contextlib.nullcontext() if student_grad_sync else
                _no_grad_sync(self.student))
        with sync, distiller.student_recorders:
            self.student(images, samples, mode='tensor')
        with distiller.teacher_recorders:
            teacher_logits = self.teacher(images, samples, mode='tensor')
        return teacher_logits

    def generator_step(self, batch_size: int,
                       optim_wrapper: OptimWrapperDict) -> Dict[str, torch.Tensor]:
        """One generator update (L_G); returns log variables."""
        device = _device_of(self.generator)
        with optim_wrapper['generator'].optim_context(self.generator):
            images, labels = self.synthesize(batch_size, device)
            images = self.generator_augment(images)
            # The student's own gradients are never used here: skip DDP's
            # gradient synchronisation for it.
            distiller = self._distillers['generator_distiller']
            teacher_logits = self._run_critics(distiller, images, labels,
                                               student_grad_sync=False)
            losses = distiller.compute_distill_losses()
        loss, log_vars = self._parse_and_check(losses, 'gen')
        if self.reset_generator_optimizer:
            for part in GENERATOR_PARTS:
                if part in optim_wrapper:
                    optim_wrapper[part].optimizer.state.clear()
        self._update(loss, GENERATOR_PARTS, optim_wrapper)
        with torch.no_grad():
            log_vars['gen.teacher_agreement'] = (
                teacher_logits.argmax(1) == labels).float().mean()
        return log_vars

    def student_step(self, batch_size: int,
                     optim_wrapper: OptimWrapperDict) -> Dict[str, torch.Tensor]:
        """One student update (L_S) on detached synthetic images, part of
        them replayed when there is a ``replay_bank``."""
        device = _device_of(self.generator)
        fresh, replayed = (self.replay_bank.split(batch_size)
                           if self.replay_bank is not None else
                           (batch_size, 0))
        with torch.no_grad():
            images, labels = self.synthesize(fresh, device)
            images = self.student_augment(images)
        with optim_wrapper['architecture'].optim_context(self.student):
            distiller = self._distillers['distiller']
            if self.replay_bank is None:
                self._run_critics(distiller, images, labels,
                                  student_grad_sync=True)
            else:
                self._run_critics_with_replay(distiller, images, labels,
                                              replayed)
            losses = distiller.compute_distill_losses()
        loss, log_vars = self._parse_and_check(losses, 'stu')
        self._update(loss, STUDENT_PARTS, optim_wrapper)
        if self.replay_bank is not None:
            log_vars['stu.replayed'] = torch.tensor(replayed / batch_size)
        return log_vars

    def _run_critics_with_replay(self, distiller, images: torch.Tensor,
                                 labels: torch.Tensor,
                                 replayed: int) -> None:
        """The teacher sees the fresh images only; ``replayed`` stored
        samples, with the teacher's stored records, join them before the
        student sees the whole batch."""
        with torch.no_grad(), distiller.teacher_recorders:
            self.teacher(images, LabelledSamples(labels), mode='tensor')
        images, labels = replay_into_records(self.replay_bank,
                                             distiller.teacher_recorders,
                                             images, labels, replayed)
        with distiller.student_recorders:
            self.student(images, LabelledSamples(labels), mode='tensor')

    def train_step(self, data: Union[Dict, Sequence],
                   optim_wrapper: OptimWrapperDict) -> Dict[str, torch.Tensor]:
        """``generator_steps`` generator updates, then ``student_steps``
        student updates. Logs the last update of each kind."""
        batch_size = _batch_size(data)
        if batch_size < 2 * self.num_classes and not self._warned_small_batch:
            self._warned_small_batch = True
            print_log(
                f'CPSC: batch size {batch_size} is below two samples per class '
                f'({self.num_classes} classes). The pseudo-supervised contrast '
                'still has a positive for every sample (its other view), but '
                'same-class positives across samples become rare; use a batch '
                f'of at least {2 * self.num_classes}.', logger='current',
                level=logging.WARNING)
        self.teacher.eval()
        log_vars: Dict[str, torch.Tensor] = {}
        for _ in range(self.generator_steps):
            log_vars.update(self.generator_step(
                self.generator_batch_size or batch_size, optim_wrapper))
        if self._current_iteration() >= self.student_start_iter:
            for _ in range(self.student_steps):
                log_vars.update(self.student_step(batch_size, optim_wrapper))
        self._iterations_run += 1
        return log_vars

    def _current_iteration(self) -> int:
        """The training iteration about to run (0-based): the runner's,
        which survives a resume, else the count of this object's calls."""
        iteration = MessageHub.get_current_instance().get_info('iter')
        return self._iterations_run if iteration is None else int(iteration)

    # ---------------------------------------------------------------- helpers
    def _parse_and_check(self, losses: Dict[str, torch.Tensor],
                         prefix: str) -> Tuple[torch.Tensor, Dict]:
        # One host sync per step; the offending term is looked up only on
        # failure.
        if self.check_finite and not torch.isfinite(
                torch.stack([v.detach().sum() for v in losses.values()])).all():
            for name, value in losses.items():
                if not torch.isfinite(value).all():
                    iteration = MessageHub.get_current_instance().get_info(
                        'iter', None)
                    raise FloatingPointError(
                        f'CPSC: loss term {prefix}.{name} is {value.item()} at '
                        f'iteration {iteration}. Training stopped before the '
                        'update so no weight was corrupted; the last saved '
                        'checkpoint in the work dir is intact. Lower the '
                        'learning rates or this term\'s weight, or use the '
                        "'log_mse' form for logit distances.")
        loss, log_vars = self.parse_losses(losses)
        return loss, add_prefix(log_vars, prefix)

    def _update(self, loss: torch.Tensor, parts: Sequence[str],
                optim_wrapper: OptimWrapperDict) -> None:
        """Back-propagate into the parameters of ``parts`` only, then step."""
        params: List[nn.Parameter] = []
        unsynced: List[nn.Parameter] = []
        wrappers: List[OptimWrapper] = []
        for part in parts:
            trainable = [
                p for p in getattr(self, part).parameters() if p.requires_grad
            ]
            if not trainable:
                continue
            if part not in optim_wrapper:
                raise KeyError(
                    f'CPSCDataFreeDistillation: `{part}` has trainable '
                    f'parameters (e.g. a projection head) but optim_wrapper has '
                    f'no `{part}` entry. Add {part}=dict(optimizer=...) to '
                    "optim_wrapper (constructor='mmrazor."
                    "SeparateOptimWrapperConstructor').")
            params += trainable
            if part in self._distillers:
                unsynced += trainable
            wrappers.append(optim_wrapper[part])
        main = wrappers[0]
        main.backward(main.scale_loss(loss), inputs=params)
        # Distillers are never called through their DDP wrapper's forward, so
        # DDP does not synchronise their gradients (e.g. the projection head).
        all_reduce_params([p.grad for p in unsynced if p.grad is not None],
                          op='mean')
        if main.should_update():
            for wrapper in wrappers:
                wrapper.step()
                wrapper.zero_grad()


def _check_output_bounds(generator: nn.Module, data_preprocessor) -> None:
    """A generator clipped to the pixel range of one normalisation, fed to a
    model that normalises another way, clips at the wrong values: refuse it
    (the bounds are easily left behind when mean/std are overridden)."""
    from ...utils.training_data_meta import normalization_of
    bounds = getattr(generator, 'output_bounds', None)
    norm = normalization_of(data_preprocessor if isinstance(
        data_preprocessor, dict) else None)
    if bounds is None or not norm or len(norm['std']) != len(norm['mean']):
        return
    expected = {(round((0 - m) / s, 4), round((255 - m) / s, 4))
                for m, s in zip(norm['mean'], norm['std'])}
    if len(expected) != 1:  # per-channel ranges: one (low, high) cannot say
        return
    low, high = expected.pop()
    if abs(bounds[0] - low) > 1e-3 or abs(bounds[1] - high) > 1e-3:
        raise ValueError(
            f'CPSCDataFreeDistillation: generator.output_bounds '
            f'{tuple(bounds)} are not the pixel range 0..255 of this '
            f"config's data_preprocessor (mean {norm['mean']}, std "
            f"{norm['std']}), which is ({low:.4f}, {high:.4f}). The bounds "
            'were probably computed for another normalisation; set '
            f'model.generator.output_bounds="({low:.4f}, {high:.4f})" (or '
            'None for no clip).')


def _no_grad_sync(module: nn.Module):
    """DDP's ``no_sync`` when ``module`` is DDP-wrapped, else nothing."""
    no_sync = getattr(module, 'no_sync', None)
    return no_sync() if callable(no_sync) else contextlib.nullcontext()


def _prepare_recorders(name: str, distiller: nn.Module, student: nn.Module,
                       teacher: nn.Module) -> None:
    """Hook the recorders into the models, naming a missing source clearly."""
    for role, model, prepare in (('student', student,
                                  distiller.prepare_from_student),
                                 ('teacher', teacher,
                                  distiller.prepare_from_teacher)):
        try:
            prepare(model)
        except AssertionError as err:  # MMRazor's recorders assert
            names = [n for n, _ in model.named_modules() if n]
            close = difflib.get_close_matches(
                str(err).split('"')[1] if '"' in str(err) else '', names, n=5)
            raise ValueError(
                f'CPSCDataFreeDistillation: a {role} recorder of `{name}` '
                f'failed: {err}. Recorder sources are module names of the '
                f'{role} (model.named_modules()); close names: {close}.'
            ) from None


def _wrapped_children(module: nn.Module) -> List[str]:
    return [n for n, m in module.named_children() if is_model_wrapper(m)]


def _drop_wrapper_segments(module, state_dict, prefix, local_metadata) -> None:
    """Save ``student.x``, not ``student.module.x``, when children are wrapped.

    mmengine's runner saves ``algorithm.state_dict()``; under
    MMSeparateDistributedDataParallel every trained child is a DDP wrapper and
    its keys gain a ``module.`` segment, so a checkpoint written with N
    processes would silently not load into one process (non-strict resume)
    nor export its student. Keys are kept wrapper-independent instead.
    """
    for name in _wrapped_children(module):
        wrapped, plain = f'{prefix}{name}.module.', f'{prefix}{name}.'
        for key in [k for k in state_dict if k.startswith(wrapped)]:
            state_dict[plain + key[len(wrapped):]] = state_dict.pop(key)


def _add_wrapper_segments(module, state_dict, prefix, *args) -> None:
    """Load wrapper-independent keys into (possibly) wrapped children."""
    for name in _wrapped_children(module):
        wrapped, plain = f'{prefix}{name}.module.', f'{prefix}{name}.'
        for key in [k for k in state_dict
                    if k.startswith(plain) and not k.startswith(wrapped)]:
            state_dict[wrapped + key[len(plain):]] = state_dict.pop(key)


def _device_of(module: nn.Module) -> torch.device:
    return next(module.parameters()).device


def _batch_size(data: Union[Dict, Sequence]) -> int:
    if isinstance(data, dict):
        for key in ('data_samples', 'inputs'):
            if data.get(key) is not None:
                return len(data[key])
    elif isinstance(data, (list, tuple)):
        return len(data)
    raise TypeError('CPSCDataFreeDistillation.train_step: cannot read a batch '
                    f'size from data of type {type(data).__name__}; use '
                    'DataFreeDataset as the training dataset.')
