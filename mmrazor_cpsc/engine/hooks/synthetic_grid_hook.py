"""Periodic grids of synthetic images, one row per class."""
from __future__ import annotations

import os
import os.path as osp
from typing import Optional, Sequence

import torch
import torchvision
from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmrazor.registry import HOOKS

from ...utils.model_wrappers import unwrap_model
from ...visualization import class_rows, denormalize


@HOOKS.register_module()
class SyntheticGridHook(Hook):
    """Saves a grid of the generator's images every ``interval`` iterations.

    One row per class (the first ``max_classes`` classes), ``per_class``
    images per row, from fixed noise so successive grids are comparable. The
    data preprocessor's normalisation is undone so the grid shows pixels as
    the dataset stores them. Each grid is written to
    ``{work_dir}/synthetic_grids/iter_{N}.png`` and sent to mmengine's
    visualizer (``add_image``), so a TensorBoard backend shows it too. The
    fraction of grid images the teacher classifies as their row's class is
    logged as ``synthetic/teacher_agreement``.

    Args:
        interval (int): iterations between grids. Defaults to 500.
        per_class (int): images per row. Defaults to 10.
        max_classes (int): rows. Defaults to 10.
        seed (int): seed of the fixed noise. Defaults to 0.
        mean, std (Sequence[float], optional): the normalisation to undo;
            read from the algorithm's data preprocessor when not given.
    """
    priority = 'LOW'

    def __init__(self, interval: int = 500, per_class: int = 10,
                 max_classes: int = 10, seed: int = 0,
                 mean: Optional[Sequence[float]] = None,
                 std: Optional[Sequence[float]] = None) -> None:
        if interval < 1 or per_class < 1 or max_classes < 1:
            raise ValueError('SyntheticGridHook: interval, per_class and '
                             'max_classes must be >= 1.')
        self.interval = interval
        self.per_class = per_class
        self.max_classes = max_classes
        self.seed = seed
        self.mean, self.std = mean, std

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        if self.every_n_train_iters(runner, self.interval) or \
                self.is_last_train_iter(runner):
            self.draw(runner)

    def _normalisation(self, algorithm):
        if self.mean is not None and self.std is not None:
            return self.mean, self.std
        pre = getattr(algorithm, 'data_preprocessor', None)
        mean, std = getattr(pre, 'mean', None), getattr(pre, 'std', None)
        if mean is None or std is None:
            return None, None
        return mean.flatten().tolist(), std.flatten().tolist()

    @torch.no_grad()
    def draw(self, runner) -> Optional[str]:
        """Draw and save one grid; returns its path on the main process."""
        algorithm = unwrap_model(runner.model)
        # Under DDP the algorithm's generator is itself wrapped; the grid is
        # drawn by the plain module (no gradient, no collective call).
        generator = unwrap_model(algorithm.generator)
        num_classes = getattr(algorithm, 'num_classes', None) or getattr(
            generator, 'num_classes')
        classes = list(range(min(num_classes, self.max_classes)))
        images, labels = class_rows(generator, classes, self.per_class,
                                    self.seed)
        teacher = unwrap_model(algorithm.teacher)
        agreement = (teacher(images, None, mode='tensor').argmax(1) ==
                     labels).float().mean().item()
        runner.message_hub.update_scalar('synthetic/teacher_agreement',
                                         agreement)
        if not is_main_process():
            return None
        mean, std = self._normalisation(algorithm)
        grid = torchvision.utils.make_grid(
            denormalize(images, mean, std), nrow=self.per_class, padding=2,
            pad_value=1.0)
        out_dir = osp.join(runner.work_dir, 'synthetic_grids')
        os.makedirs(out_dir, exist_ok=True)
        path = osp.join(out_dir, f'iter_{runner.iter + 1}.png')
        torchvision.utils.save_image(grid, path)
        runner.visualizer.add_image(
            'synthetic_grid',
            (grid.permute(1, 2, 0) * 255).round().byte().cpu().numpy(),
            step=runner.iter + 1)
        runner.logger.info(
            f'Synthetic grid saved to {path}; the teacher classifies '
            f'{agreement * 100:.1f}% of it as the row class.')
        return path

