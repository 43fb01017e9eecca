"""A memory of synthetic images and of what the teacher recorded on them."""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple, Union

import torch
from mmrazor.registry import TASK_UTILS
from torch import nn

# One recorder's data of one batch: a record per forward call, each a tensor
# or a tuple of tensors (e.g. ``ModuleInputs``), every tensor batch-first.
Record = Union[torch.Tensor, Tuple[torch.Tensor, ...]]
Records = Dict[str, List[Record]]

STORAGE_DTYPES = {'float16': torch.float16, 'float32': torch.float32,
                  'bfloat16': torch.bfloat16}


@TASK_UTILS.register_module()
class SyntheticReplayBank(nn.Module):
    """A ring buffer of synthetic samples that the student revisits.

    In the anchors of data-free distillation (CMI, DeepInversion,
    Fast-DFKD) the student trains on a memory of past syntheses as well as
    on fresh ones: the memory keeps the early, already-learnt regions of the
    teacher's input space in the student's diet (less forgetting while the
    generator moves on) and a replayed sample costs no generator and no
    teacher forward, the two thirds of a CPU student step that do not
    train anything. Each stored sample keeps its pseudo label and the
    teacher's records of it (the student distiller's teacher recorders,
    e.g. the logits), so a replayed sample gives every student loss exactly
    what a fresh one does.

    A student batch of ``N`` is ``round(fresh_fraction * N)`` (at least 1)
    fresh samples, which the teacher sees and which are then stored, plus
    the rest drawn from the bank (``sampling``). Until the bank holds
    ``max(min_fill, N - fresh)`` samples every batch is fresh, so a run
    starts as one without a bank.

    The bank is part of the algorithm's state: a checkpoint saves it
    (``get_extra_state``) and a resumed run continues with it. Its memory
    is ``capacity * (C*H*W * bytes of storage_dtype + record widths * 4)``
    bytes (:meth:`memory_bytes`), e.g. 8192 CIFAR images in float16 and
    their 10 logits: 50.7 MB, in RAM and in every checkpoint.

    Args:
        capacity (int): samples kept; the oldest is replaced first.
        fresh_fraction (float): share of each student batch generated
            fresh, in (0, 1]. 1.0 stores but never replays.
        sampling (str): how replayed samples are drawn: ``'uniform'`` over
            the whole bank, or ``'recent'``, uniform over the newest half
            (favours the generator's current distribution). Defaults to
            ``'uniform'``.
        min_fill (int): samples the bank must hold before replay starts.
            Defaults to 0 (replay as soon as one batch's replay share is
            stored).
        storage_dtype (str): dtype of the stored images ('float16',
            'bfloat16', 'float32'); records keep their own dtype. Synthetic
            images are normalised values of a few units, which float16
            keeps to 1e-3. Defaults to 'float16'.

    Shapes:
        ``push(images (n, C, H, W), labels (n,), records)``;
        ``sample(m) -> (images (m, C, H, W), labels (m,), records)`` with
        every record tensor ``(m, ...)``.
    """

    SAMPLING = ('uniform', 'recent')

    def __init__(self,
                 capacity: int = 8192,
                 fresh_fraction: float = 0.25,
                 sampling: str = 'uniform',
                 min_fill: int = 0,
                 storage_dtype: str = 'float16') -> None:
        super().__init__()
        if isinstance(capacity, bool) or not isinstance(capacity, int) \
                or capacity < 1:
            raise ValueError('SyntheticReplayBank: capacity must be an '
                             f'integer >= 1 (samples kept), got {capacity!r}')
        if not 0 < float(fresh_fraction) <= 1:
            raise ValueError(
                'SyntheticReplayBank: fresh_fraction must be in (0, 1] (the '
                'share of each student batch made fresh by the generator), '
                f'got {fresh_fraction!r}')
        if sampling not in self.SAMPLING:
            raise ValueError(f'SyntheticReplayBank: sampling must be one of '
                             f'{self.SAMPLING}, got {sampling!r}')
        if storage_dtype not in STORAGE_DTYPES:
            raise ValueError(
                f'SyntheticReplayBank: storage_dtype must be one of '
                f'{tuple(STORAGE_DTYPES)}, got {storage_dtype!r}')
        if not isinstance(min_fill, int) or min_fill < 0:
            raise ValueError('SyntheticReplayBank: min_fill must be an '
                             f'integer >= 0, got {min_fill!r}')
        self.capacity = capacity
        self.fresh_fraction = float(fresh_fraction)
        self.sampling = sampling
        self.min_fill = min_fill
        self.storage_dtype = STORAGE_DTYPES[storage_dtype]
        self._clear()

    def _clear(self) -> None:
        self.images: Optional[torch.Tensor] = None
        self.labels: Optional[torch.Tensor] = None
        # recorder name -> its records' tensors, one after another, and the
        # layout to rebuild them: per record 0 (a tensor) or k (a k-tuple).
        self.records: Dict[str, List[torch.Tensor]] = {}
        self.layout: Dict[str, List[int]] = {}
        self.num_stored = 0
        self.next_slot = 0

    # ----------------------------------------------------------------- sizes
    def split(self, batch_size: int) -> Tuple[int, int]:
        """(fresh, replayed) sample counts of a student batch of
        ``batch_size``."""
        fresh = max(1, round(self.fresh_fraction * batch_size))
        replayed = batch_size - fresh
        if replayed == 0 or self.num_stored < max(replayed, self.min_fill):
            return batch_size, 0
        return fresh, replayed

    def memory_bytes(self) -> int:
        """Bytes of the stored tensors (allocated at full capacity on the
        first push; 0 before)."""
        if self.images is None:
            return 0
        tensors = [self.images, self.labels] + [
            t for parts in self.records.values() for t in parts]
        return sum(t.element_size() * t.numel() for t in tensors)

    # ------------------------------------------------------------ push/sample
    @torch.no_grad()
    def push(self, images: torch.Tensor, labels: torch.Tensor,
             records: Records) -> None:
        """Store a fresh batch (detached, on CPU) and the teacher's records
        of it, replacing the oldest samples when full."""
        count = images.shape[0]
        flat, layout = _flatten(records, count)
        if self.images is None:
            self._allocate(images, flat, layout)
        else:
            self._check_same_kind(images, flat, layout)
        # Of a batch larger than the bank only the newest samples survive.
        start = max(0, count - self.capacity)
        slots = (self.next_slot + torch.arange(count - start)) % self.capacity
        self.images[slots] = images[start:].detach().cpu().to(
            self.images.dtype)
        self.labels[slots] = labels[start:].detach().cpu().long()
        for name, parts in flat.items():
            for stored, new in zip(self.records[name], parts):
                stored[slots] = new[start:].detach().cpu().to(stored.dtype)
        self.next_slot = (self.next_slot + count - start) % self.capacity
        self.num_stored = min(self.capacity, self.num_stored + count - start)

    @torch.no_grad()
    def sample(self, count: int, device: torch.device,
               image_dtype: torch.dtype = torch.float32
               ) -> Tuple[torch.Tensor, torch.Tensor, Records]:
        """``count`` stored samples drawn by ``sampling`` (with
        replacement): images, labels and teacher records, on ``device``."""
        if self.num_stored == 0:
            raise RuntimeError('SyntheticReplayBank.sample: the bank is empty;'
                               ' split() says how many samples to replay.')
        if self.sampling == 'recent':
            # The newest half, counted back from the last slot written.
            window = max(1, self.num_stored // 2)
            back = torch.randint(window, (count, ))
            slots = (self.next_slot - 1 - back) % self.capacity
        else:
            slots = torch.randint(self.num_stored, (count, ))
        images = self.images[slots].to(device=device, dtype=image_dtype)
        labels = self.labels[slots].to(device)
        flat = {name: [t[slots].to(device) for t in parts]
                for name, parts in self.records.items()}
        return images, labels, _unflatten(flat, self.layout)

    # ----------------------------------------------------------------- state
    def get_extra_state(self) -> Dict:
        """The stored samples, for checkpoints (a resumed run keeps its
        bank). Only the filled slots are saved."""
        if self.images is None:
            return {}
        filled = self.num_stored
        return dict(images=self.images[:filled].clone(),
                    labels=self.labels[:filled].clone(),
                    records={k: [t[:filled].clone() for t in v]
                             for k, v in self.records.items()},
                    layout={k: list(v) for k, v in self.layout.items()},
                    num_stored=filled, next_slot=self.next_slot)

    def set_extra_state(self, state: Dict) -> None:
        self._clear()
        if not state:
            return
        filled = int(state['num_stored'])
        if filled > self.capacity:
            raise ValueError(
                f'SyntheticReplayBank: the checkpoint holds {filled} samples, '
                f'more than this bank\'s capacity {self.capacity}; resume '
                'with the capacity the run was started with.')
        self._allocate(state['images'], state['records'], state['layout'])
        self.images[:filled] = state['images'].to(self.images.dtype)
        self.labels[:filled] = state['labels']
        for name, parts in state['records'].items():
            for stored, saved in zip(self.records[name], parts):
                stored[:filled] = saved
        self.num_stored = filled
        self.next_slot = int(state['next_slot']) % self.capacity

    # --------------------------------------------------------------- helpers
    def _allocate(self, images: torch.Tensor,
                  flat: Dict[str, List[torch.Tensor]],
                  layout: Dict[str, List[int]]) -> None:
        self.images = torch.zeros((self.capacity, *images.shape[1:]),
                                  dtype=self.storage_dtype)
        self.labels = torch.zeros(self.capacity, dtype=torch.long)
        # Float records (logits, features) are kept in float32 whatever the
        # autocast dtype they were computed in.
        self.records = {
            name: [torch.zeros((self.capacity, *t.shape[1:]),
                               dtype=torch.float32 if t.is_floating_point()
                               else t.dtype) for t in parts]
            for name, parts in flat.items()
        }
        self.layout = {k: list(v) for k, v in layout.items()}

    def _check_same_kind(self, images: torch.Tensor,
                         flat: Dict[str, List[torch.Tensor]],
                         layout: Dict[str, List[int]]) -> None:
        shapes = {k: [tuple(t.shape[1:]) for t in v] for k, v in flat.items()}
        stored = {k: [tuple(t.shape[1:]) for t in v]
                  for k, v in self.records.items()}
        if images.shape[1:] != self.images.shape[1:] or shapes != stored \
                or layout != self.layout:
            raise ValueError(
                'SyntheticReplayBank: the samples pushed now differ from the '
                f'stored ones (images {tuple(images.shape[1:])} vs '
                f'{tuple(self.images.shape[1:])}; records {shapes} vs '
                f'{stored}). A bank holds one kind of sample: keep the '
                "generator's output and the student distiller's teacher "
                'recorders fixed during a run.')

    def extra_repr(self) -> str:
        return (f'capacity={self.capacity}, fresh_fraction='
                f'{self.fresh_fraction}, sampling={self.sampling!r}, '
                f'stored={self.num_stored}')


def _flatten(records: Records, count: int
             ) -> Tuple[Dict[str, List[torch.Tensor]], Dict[str, List[int]]]:
    """Each recorder's records as one list of tensors, and their layout;
    every tensor must hold one row per sample of the batch."""
    flat: Dict[str, List[torch.Tensor]] = {}
    layout: Dict[str, List[int]] = {}
    for name, buffer in records.items():
        flat[name], layout[name] = [], []
        for record in buffer:
            is_tuple = isinstance(record, (tuple, list))
            parts = list(record) if is_tuple else [record]
            layout[name].append(len(parts) if is_tuple else 0)
            for part in parts:
                if not isinstance(part, torch.Tensor) or part.dim() == 0 \
                        or part.shape[0] != count:
                    shape = tuple(part.shape) if isinstance(
                        part, torch.Tensor) else type(part).__name__
                    raise ValueError(
                        f'SyntheticReplayBank: the teacher recorder `{name}` '
                        f'records {shape}, not one row per sample of the '
                        f'batch of {count}, so a replayed sample cannot carry '
                        'it. Replay works with per-sample records (logits, '
                        'features, labels): remove this recorder from the '
                        "student distiller's teacher_recorders, or the "
                        'replay bank from the algorithm.')
                flat[name].append(part)
    return flat, layout


def _unflatten(flat: Dict[str, List[torch.Tensor]],
               layout: Dict[str, List[int]]) -> Records:
    records: Records = {}
    for name, parts in flat.items():
        records[name], position = [], 0
        for width in layout[name]:
            if width:
                records[name].append(tuple(parts[position:position + width]))
                position += width
            else:
                records[name].append(parts[position])
                position += 1
    return records


def concat_records(first: Records, second: Records) -> Records:
    """Records of two batches joined along the batch dimension, record by
    record (the layout of both must match)."""
    joined: Records = {}
    for name, records in first.items():
        joined[name] = []
        for a, b in zip(records, second[name]):
            joined[name].append(
                tuple(torch.cat([x, y.to(x.dtype)]) for x, y in zip(a, b))
                if isinstance(a, tuple) else torch.cat([a, b.to(a.dtype)]))
    return joined


def replay_into_records(bank: SyntheticReplayBank, teacher_recorders,
                        images: torch.Tensor, labels: torch.Tensor,
                        replayed: int
                        ) -> Tuple[torch.Tensor, torch.Tensor]:
    """Store a fresh batch and join ``replayed`` stored samples to it.

    Call right after the teacher's forward on the fresh ``images`` under
    ``teacher_recorders`` (an MMRazor ``RecorderManager``): their records
    are stored with the images, then every record is extended in place with
    the stored records of the drawn samples, so the distiller's losses see
    one batch of ``len(images) + replayed`` samples, fresh ones first.

    Returns:
        (images, labels) of the joined batch, for the student's forward.
    """
    recorders = teacher_recorders.recorders
    fresh_records = {name: list(recorder.data_buffer)
                     for name, recorder in recorders.items()}
    if not replayed:
        bank.push(images, labels, fresh_records)
        return images, labels
    # Drawn before the fresh batch is stored, so no sample is in a batch
    # twice.
    old_images, old_labels, old_records = bank.sample(
        replayed, images.device, images.dtype)
    bank.push(images, labels, fresh_records)
    joined = concat_records(fresh_records, old_records)
    for name, recorder in recorders.items():
        recorder.data_buffer[:] = joined[name]
    return (torch.cat([images, old_images]),
            torch.cat([labels, old_labels.to(labels.device)]))
