"""The class-conditional generator of CPSC-DFKD."""
from __future__ import annotations

from typing import Dict, Optional, Sequence, Union

import torch
import torch.nn.functional as F
from mmrazor.models.architectures.generators.base_generator import \
    BaseGenerator
from mmrazor.registry import MODELS
from torch import nn

from .conditional_batch_norm import ConditionalBatchNorm2d


@MODELS.register_module()
class CPSCGenerator(BaseGenerator):
    """Class-conditional image generator with categorical feature embedding.

    The generator of CPSC-DFKD (Shao et al., Pattern Recognition 2023, Sec. 3.2):
    every normalisation layer is a :class:`ConditionalBatchNorm2d`, so the label
    ``y`` selects per-class feature statistics and the categories' synthetic
    distributions separate. Layout (S = ``img_size``, ngf = ``hidden_channels``)::

        Linear(nz -> 2ngf * (S/4)^2) -> reshape -> CBN
        -> up x2 -> conv3x3(2ngf -> 2ngf) -> CBN -> LeakyReLU(0.2)
        -> up x2 -> conv3x3(2ngf -> ngf)  -> CBN -> LeakyReLU(0.2)
        -> conv3x3(ngf -> C) -> tanh -> [CBN(C) | BN(C)]

    The output lives in the teacher's *input* space (after the data
    preprocessor's normalisation), which is why the last normalisation is
    there. The paper's is class-conditional: each class learns its own
    per-channel mean and scale, i.e. its own colour cast, which a student can
    take for the class (measured on CIFAR-10: every row of a grid in one
    palette). ``final_norm='shared'`` keeps the normalisation but with one
    affine for every class (as DAFL's generator), so colour is no label.

    Args:
        img_size (int): output height and width S, a multiple of 4 (32 for
            CIFAR/MNIST-padded, 28 for MNIST, 64 for Tiny-ImageNet).
        latent_dim (int): noise dimension nz. Defaults to 256.
        hidden_channels (int): base width ngf. Defaults to 64.
        out_channels (int): image channels C; must match the teacher's input
            (1 for MNIST, 3 for colour). Defaults to 3.
        num_classes (int): number of categories K; must match the teacher.
        final_norm (bool | str): the normalisation after ``tanh``:
            True or 'conditional' (the paper's class-conditional BN),
            'shared' (one BN affine for all classes), False or 'none' (the
            output is bounded to [-1, 1]). Defaults to True.
        negative_slope (float): LeakyReLU slope. Defaults to 0.2.
        channels_last (bool): run the convolutional part in the channels-last
            memory format (the output is returned in the usual contiguous
            layout). Same numbers up to float rounding; on CPU it made the
            MNIST generator's forward about 2x faster (no reorder copies
            around ``upsample_nearest2d`` and the oneDNN convolutions).
            Defaults to True.
        output_bounds (tuple[float, float], optional): the teacher-input
            values of the darkest and the brightest pixel, i.e.
            ``((0 - mean) / std, (255 - mean) / std)`` of the data
            preprocessor. When given, the output is clipped to them, so the
            teacher only ever sees images that can be displayed: without it a
            third of the MNIST generator's pixels lie below black, where the
            teacher reads structure a person never sees in the grid. The clip
            passes gradients straight through, so a clipped pixel can still
            be pulled back into range. Defaults to None (unbounded, as in the
            paper).
        init_cfg (dict, optional): mmengine initialisation config.

    Shapes:
        forward(z, labels): z (N, nz) float, labels (N,) int64 in [0, K)
        -> images (N, C, S, S).
    """

    FINAL_NORMS = ('conditional', 'shared', 'none')

    def __init__(self,
                 img_size: int = 32,
                 latent_dim: int = 256,
                 hidden_channels: int = 64,
                 out_channels: int = 3,
                 num_classes: int = 10,
                 final_norm: Union[bool, str] = True,
                 negative_slope: float = 0.2,
                 channels_last: bool = True,
                 output_bounds: Optional[Sequence[float]] = None,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(img_size=img_size, latent_dim=latent_dim,
                         hidden_channels=hidden_channels, init_cfg=init_cfg)
        if img_size < 8 or img_size % 4:
            raise ValueError(
                f'CPSCGenerator: img_size must be a multiple of 4 and >= 8 '
                f'(two x2 upsamplings from img_size/4), got {img_size}.')
        if out_channels < 1 or num_classes < 2 or latent_dim < 1:
            raise ValueError(
                'CPSCGenerator: out_channels >= 1, num_classes >= 2 and '
                f'latent_dim >= 1 are required, got out_channels={out_channels}'
                f', num_classes={num_classes}, latent_dim={latent_dim}.')
        if output_bounds is not None and (
                len(output_bounds) != 2
                or not output_bounds[0] < output_bounds[1]):
            raise ValueError(
                'CPSCGenerator: output_bounds must be (low, high) with low < '
                'high, the normalised values of the darkest and brightest '
                f'pixel; got {output_bounds}.')
        self.output_bounds = (None if output_bounds is None else
                              tuple(float(b) for b in output_bounds))
        self.out_channels = out_channels
        self.num_classes = num_classes
        self.init_size = img_size // 4
        wide = 2 * hidden_channels

        self.project = nn.Linear(latent_dim, wide * self.init_size**2)
        self.norm0 = ConditionalBatchNorm2d(wide, num_classes)
        self.conv1 = nn.Conv2d(wide, wide, 3, padding=1, bias=False)
        self.norm1 = ConditionalBatchNorm2d(wide, num_classes)
        self.conv2 = nn.Conv2d(wide, hidden_channels, 3, padding=1, bias=False)
        self.norm2 = ConditionalBatchNorm2d(hidden_channels, num_classes)
        self.to_image = nn.Conv2d(hidden_channels, out_channels, 3, padding=1)
        final_norm = {True: 'conditional', False: 'none'}.get(
            final_norm, final_norm)
        if final_norm not in self.FINAL_NORMS:
            raise ValueError(f'CPSCGenerator: final_norm must be one of '
                             f'{self.FINAL_NORMS} (or True/False), got '
                             f'{final_norm!r}.')
        self.final_norm = final_norm
        self.norm_out = dict(
            conditional=lambda: ConditionalBatchNorm2d(out_channels,
                                                       num_classes),
            shared=lambda: nn.BatchNorm2d(out_channels),
            none=lambda: None)[final_norm]()
        self.negative_slope = negative_slope
        self.channels_last = channels_last

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(
                f'CPSCGenerator expects noise of shape (N, {self.latent_dim}), '
                f'got {tuple(z.shape)}.')
        if labels.shape != (z.shape[0], ):
            raise ValueError(
                f'CPSCGenerator expects one label per noise vector: labels of '
                f'shape ({z.shape[0]},), got {tuple(labels.shape)}.')
        x = self.project(z).view(z.shape[0], -1, self.init_size,
                                 self.init_size)
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        x = self.norm0(x, labels)
        x = F.interpolate(x, scale_factor=2)
        x = F.leaky_relu(self.norm1(self.conv1(x), labels), self.negative_slope)
        x = F.interpolate(x, scale_factor=2)
        x = F.leaky_relu(self.norm2(self.conv2(x), labels), self.negative_slope)
        x = torch.tanh(self.to_image(x))
        if self.final_norm == 'conditional':
            x = self.norm_out(x, labels)
        elif self.final_norm == 'shared':
            x = self.norm_out(x)
        if self.output_bounds is not None:
            # Straight-through: the value is clipped, the gradient is not, so
            # a pixel pushed below black can still be asked to light up.
            # (x - x.detach() is exactly zero, so the values are exactly
            # the clipped ones.)
            x = x.clamp(*self.output_bounds).detach() + (x - x.detach())
        return x.contiguous()

    def sample(self, labels: torch.Tensor,
               generator: Optional[torch.Generator] = None) -> torch.Tensor:
        """Draw fresh noise on the generator's device and synthesise ``labels``.

        Args:
            labels (Tensor): (N,) int64 class indices.
            generator (torch.Generator, optional): RNG for reproducible noise.

        Returns:
            Tensor: images (N, C, S, S).
        """
        device = self.project.weight.device
        z = torch.randn(labels.shape[0], self.latent_dim, device=device,
                        generator=generator)
        return self(z, labels.to(device))
