"""Recorder of the ground-truth (or pseudo) labels a classifier is called with."""
from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

import torch
from mmrazor.models.task_modules.recorder.base_recorder import BaseRecorder
from mmrazor.registry import TASK_UTILS
from torch import nn

from ._source import find_source_module


@TASK_UTILS.register_module()
class GtLabelsRecorder(BaseRecorder):
    """Records ``gt_label`` of the data samples passed to a module's forward.

    Lets losses that need labels (the pseudo-supervised contrast, the
    conditional cross-entropy) be fed by MMRazor's ``ConfigurableDistiller``
    like any other record: in CPSC the labels are the generator's pseudo
    labels, in ordinary distillation they are the dataset's labels.
    Use ``type='GtLabels'`` in a distiller's recorders.

    Args:
        source (str): module whose forward receives ``data_samples`` as the
            second positional argument or keyword; '' (default) is the
            classifier itself.

    Record:
        (N,) int64 tensor per forward call.
    """

    def __init__(self, source: str = '') -> None:
        super().__init__(source)
        self._recording = False

    def prepare_from_model(self, model: Optional[nn.Module] = None) -> None:
        if model is None:
            raise ValueError('GtLabelsRecorder needs a model to hook.')
        module = find_source_module(model, self.source, 'GtLabelsRecorder')
        module.register_forward_pre_hook(self._pre_hook, with_kwargs=True)

    def _pre_hook(self, module: nn.Module, args: Tuple,
                  kwargs: Dict[str, Any]) -> None:
        if not self._recording:
            return
        samples = kwargs.get('data_samples',
                             args[1] if len(args) > 1 else None)
        if not samples:
            raise ValueError(
                f'GtLabelsRecorder: {type(module).__name__} was called without '
                'data_samples, so there are no labels to record.')
        batch = getattr(samples, 'labels', None)  # LabelledSamples
        labels = (batch if isinstance(batch, torch.Tensor) else torch.cat(
            [s.gt_label.reshape(-1)[:1] for s in samples]))
        self.data_buffer.append(labels.long())

    def __enter__(self):
        super().__enter__()
        self._recording = True

    def __exit__(self, exc_type, exc_value, traceback):
        self._recording = False
