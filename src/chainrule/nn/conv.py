"""Convolution layers (Conv1d, Conv2d, ConvTranspose2d) and Dropout2d, which drops their channels.

Each layer holds ``weight`` and ``bias`` as PyTorch does (same shapes, ``state_dict`` keys and default
initialisation: weight and bias ~ U(−1/√fan_in, 1/√fan_in), fan_in = weight.shape[1] · kh · kw) and
its ``forward`` is one call into ``nn.functional``.
"""

from __future__ import annotations

import math
from typing import Any

from chainrule.backend import xp
from chainrule.nn import _conv_args as args
from chainrule.nn import functional_conv as F
from chainrule.nn import init
from chainrule.nn.module import Module, factory_dtype
from chainrule.nn.parameter import Parameter
from chainrule.random import Generator
from chainrule.tensor import Tensor

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    """What the convolution layers share: checked sizes, parameters, initialisation and repr."""

    _dims = 2
    _transposed = False

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 dilation: Any = 1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device: Any = None, dtype: Any = None, generator: Generator | None = None,
                 output_padding: Any = 0) -> None:
        super().__init__()
        name = type(self).__name__
        for what, n in (("in_channels", in_channels), ("out_channels", out_channels), ("groups", groups)):
            if not isinstance(n, int) or isinstance(n, bool) or n < 1:
                raise ValueError(f"{name}: {what} must be a positive int, got {n!r}")
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"{name}: in_channels ({in_channels}) and out_channels ({out_channels}) must both be "
                             f"divisible by groups ({groups})")  # fmt: skip
        if output_padding != 0 and not self._transposed:
            raise TypeError(f"{name}: output_padding is an argument of transposed convolutions only")
        if padding_mode not in PADDING_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {PADDING_MODES}, got {padding_mode!r}")
        size = self._size
        self.in_channels, self.out_channels = in_channels, out_channels
        self.groups, self.padding_mode = groups, padding_mode
        self.kernel_size, self.stride, self.dilation = (size(v, n) for v, n in (
            (kernel_size, "kernel_size"), (stride, "stride"), (dilation, "dilation")))  # fmt: skip
        self.padding = padding if isinstance(padding, str) else size(padding, "padding")
        self.output_padding = size(output_padding, "output_padding")
        self._conv_padding()  # checks 'same' against the stride
        dtype = factory_dtype(device, dtype, name)
        shape = (in_channels, out_channels // groups) if self._transposed else (out_channels, in_channels // groups)
        self.weight = Parameter(xp.empty(shape + self.kernel_size, dtype))
        if bias:
            self.bias = Parameter(xp.empty(out_channels, dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters(generator)

    def _size(self, value: Any, name: str) -> tuple:
        if self._dims == 1:
            return (args.single(value, name, type(self).__name__),)
        return args.pair(value, name, type(self).__name__)

    def reset_parameters(self, generator: Generator | None = None) -> None:
        """PyTorch's default: U(−1/√fan_in, 1/√fan_in) for the weight, then the bias."""
        bound = 1.0 / math.sqrt(init.fans(self.weight)[0])
        init.uniform_(self.weight, -bound, bound, generator)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound, generator)

    def _conv_padding(self) -> tuple:
        """((top, bottom), (left, right)) of the padding, as for a 2-d convolution (height 1 for Conv1d)."""
        lead = (1,) * (2 - self._dims)
        padding = self.padding if isinstance(self.padding, str) else (0,) * (2 - self._dims) + self.padding
        return args.conv_padding(padding, lead + self.kernel_size, lead + self.dilation, lead + self.stride,
                                 type(self).__name__)  # fmt: skip

    def _padded(self, input: Tensor) -> tuple:
        """(input, padding for the conv): padding other than zeros is done here, by ``F.pad``."""
        if self.padding_mode == "zeros":
            return input, self.padding
        (top, bottom), (left, right) = self._conv_padding()
        return F.pad(input, (left, right) if self._dims == 1 else (left, right, top, bottom), self.padding_mode), 0

    def forward(self, input: Tensor) -> Tensor:
        x, padding = self._padded(input)
        p = self._parameters
        return type(self)._function(x, p["weight"], p["bias"], self.stride, padding, self.dilation, self.groups)

    def extra_repr(self) -> str:
        parts = [f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}", f"stride={self.stride}"]
        if self.padding != (0,) * self._dims:
            parts.append(f"padding={self.padding}")
        if self.dilation != (1,) * self._dims:
            parts.append(f"dilation={self.dilation}")
        if self.output_padding != (0,) * self._dims:
            parts.append(f"output_padding={self.output_padding}")
        if self.groups != 1:
            parts.append(f"groups={self.groups}")
        if self.bias is None:
            parts.append("bias=False")
        if self.padding_mode != "zeros":
            parts.append(f"padding_mode={self.padding_mode}")
        return ", ".join(parts)


class Conv2d(_ConvNd):
    """2-d convolution: (N, in_channels, H, W) → (N, out_channels, Ho, Wo); weight (out, in/groups, kh, kw).

    ``padding`` is an int, a pair, 'valid' or 'same'; ``padding_mode`` 'zeros', 'reflect', 'replicate'
    or 'circular'.

    >>> conv = nn.Conv2d(1, 8, 5, padding=2)    # (64, 1, 28, 28) → (64, 8, 28, 28)
    """

    _function = staticmethod(F.conv2d)


class Conv1d(_ConvNd):
    """1-d convolution: (N, in_channels, L) → (N, out_channels, Lo); weight (out, in/groups, k)."""

    _dims = 1
    _function = staticmethod(F.conv1d)


class ConvTranspose2d(_ConvNd):
    """The transpose of Conv2d (its input's gradient): (N, in_channels, H, W) → (N, out_channels, Ho, Wo),
    Ho = (H − 1)·stride − 2·padding + dilation·(kh − 1) + output_padding + 1; weight (in, out/groups, kh, kw)."""

    _transposed = True

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 output_padding: Any = 0, groups: int = 1, bias: bool = True, dilation: Any = 1,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None,
                 generator: Generator | None = None) -> None:
        if padding_mode != "zeros" or isinstance(padding, str):
            raise ValueError(f"ConvTranspose2d: only padding_mode='zeros' and integer padding are supported, got "
                             f"{padding_mode!r} and {padding!r}")  # fmt: skip
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, device, dtype, generator, output_padding)  # fmt: skip

    def forward(self, input: Tensor) -> Tensor:
        p = self._parameters
        return F.conv_transpose2d(input, p["weight"], p["bias"], self.stride, self.padding, self.output_padding,
                                  self.groups, self.dilation)  # fmt: skip


class Dropout2d(Module):
    """In training mode zeroes whole channels of (N, C, H, W) with probability ``p``, scaling the rest by 1/(1 − p)."""

    def __init__(self, p: float = 0.5, inplace: bool = False, *, generator: Generator | None = None) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout2d: p must be in [0, 1], got {p}")
        self.p, self.inplace = p, inplace
        self.generator = generator

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout2d(input, self.p, self.training, self.inplace, generator=self.generator)

    def extra_repr(self) -> str:
        return f"p={self.p}" + (", inplace=True" if self.inplace else "")
