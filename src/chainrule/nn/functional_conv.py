"""Function forms of convolution, pooling, padding, im2col and batch norm (re-exported by ``nn.functional``).

Images are (N, C, H, W), or (C, H, W) for a single one (the result then has no batch axis either);
sizes such as ``kernel_size`` take an int or an (h, w) pair, as in PyTorch. Each function checks its
arguments, builds the windows' ``Geometry`` (cached: a training loop asks for the same ones every
step) and records one op from ``chainrule.ops``.

>>> y = conv2d(x, w, b, padding=2)           # x (64, 1, 28, 28), w (8, 1, 5, 5) → y (64, 8, 28, 28)
>>> y = max_pool2d(y.relu(), 2)               # (64, 8, 14, 14)
"""

from __future__ import annotations

import functools
from typing import Any

from chainrule.autograd.mode import no_grad
from chainrule.backend import xp
from chainrule.errors import DTypeError, ShapeError
from chainrule.nn import _conv_args as args
from chainrule.ops import conv as conv_ops
from chainrule.ops import norm as norm_ops
from chainrule.ops import pad as pad_ops
from chainrule.ops import pool as pool_ops
from chainrule.ops import windows
from chainrule.random import Generator, resolve
from chainrule.tensor import Tensor

__all__ = [
    "adaptive_avg_pool2d", "avg_pool2d", "batch_norm", "conv1d", "conv2d", "conv_transpose2d", "dropout2d", "fold",
    "max_pool2d", "pad", "unfold",
]  # fmt: skip

geometry = functools.lru_cache(maxsize=512)(windows.make_geometry)


# ------------------------------------------------------------------ convolution
def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Tensor:
    """2-d cross-correlation: input (N, C, H, W), weight (O, C/groups, kh, kw), bias (O,) → (N, O, Ho, Wo).

    ``padding`` is an int, an (h, w) pair, 'valid' (none) or 'same' (the output as large as the input;
    stride 1 only, any extra padding at the bottom and right, as in PyTorch).
    """
    x, unbatched = args.images(input, "conv2d")
    args.check_conv_operands("conv2d", x, weight, bias, groups, transposed=False)
    kernel, dil = tuple(weight.shape[2:]), args.pair(dilation, "dilation", "conv2d")
    step = args.pair(stride, "stride", "conv2d")
    geom = geometry("conv2d", x.shape[2:], kernel, step, args.conv_padding(padding, kernel, dil, step, "conv2d"), dil)
    if bias is None:
        out = conv_ops.Conv.apply(x, weight, geom=geom, groups=groups)
    else:
        out = conv_ops.BiasedConv.apply(x, weight, bias, geom=geom, groups=groups)
    return out.squeeze(0) if unbatched else out


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Tensor:
    """1-d cross-correlation: input (N, C, L), weight (O, C/groups, k), bias (O,) → (N, O, Lo)."""
    if not (isinstance(input, Tensor) and input.ndim in (2, 3)):
        raise ShapeError(f"conv1d: input must be a Tensor (N, C, L) or (C, L), got {args.describe(input)}")
    if not (isinstance(weight, Tensor) and weight.ndim == 3):
        raise ShapeError(f"conv1d: weight must be a Tensor (out_channels, in_channels/groups, k), got "
                         f"{args.describe(weight)}")  # fmt: skip
    if not isinstance(padding, str):
        padding = (0, args.single(padding, "padding", "conv1d"))
    out = conv2d(input.unsqueeze(-2), weight.unsqueeze(-2), bias, (1, args.single(stride, "stride", "conv1d")),
                 padding, (1, args.single(dilation, "dilation", "conv1d")), groups)  # fmt: skip
    return out.squeeze(-2)


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
                     output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Tensor:
    """The transpose of conv2d: input (N, C_in, H, W), weight (C_in, C_out/groups, kh, kw) → (N, C_out, Ho, Wo),
    Ho = (H − 1)·stride − 2·padding + dilation·(kh − 1) + output_padding + 1 (the gradient of a conv2d's input)."""
    x, unbatched = args.images(input, "conv_transpose2d")
    args.check_conv_operands("conv_transpose2d", x, weight, bias, groups, transposed=True)
    kernel = tuple(weight.shape[2:])
    step, pads, dil, extra = (args.pair(v, name, "conv_transpose2d") for v, name in (
        (stride, "stride"), (padding, "padding"), (dilation, "dilation"), (output_padding, "output_padding")))
    if any(e >= max(s, d) or e < 0 for e, s, d in zip(extra, step, dil)):
        raise ValueError(f"conv_transpose2d: output_padding {extra} must be smaller than either stride {step} or "
                         f"dilation {dil}, and not negative")  # fmt: skip
    size = tuple((n - 1) * s - 2 * p + d * (k - 1) + e + 1 for n, s, p, d, k, e in zip(x.shape[2:], step, pads, dil,
                                                                                        kernel, extra))  # fmt: skip
    if min(size) < 1 or min(pads) < 0:
        raise ShapeError(f"conv_transpose2d: input of spatial size {tuple(x.shape[2:])} with stride {step}, padding "
                         f"{pads}, dilation {dil} and kernel {kernel} gives an output of size {size}; it must be "
                         "positive")  # fmt: skip
    geom = geometry("conv_transpose2d", size, kernel, step, tuple((p, p) for p in pads), dil)
    if geom.out != tuple(x.shape[2:]):  # output_padding ≥ stride (allowed below the dilation): fewer windows
        geom = windows.Geometry(geom.size, kernel, step, geom.padding, dil, tuple(x.shape[2:]))
    shape = (x.shape[0], weight.shape[1] * groups) + size
    out = conv_ops.ConvTranspose.apply(x, weight, geom=geom, groups=groups, size=shape)
    if bias is not None:
        out = out + bias.reshape(1, -1, 1, 1)
    return out.squeeze(0) if unbatched else out


# ------------------------------------------------------------------ pooling
def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
               ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """Each window's maximum: (N, C, H, W) → (N, C, Ho, Wo); the stride defaults to the kernel size.

    Padding counts as −inf. With ``return_indices``, also each maximum's position within its
    (H, W) plane (int64), as PyTorch gives it. Ties go to the first element in row-major order.
    """
    x, unbatched = args.images(input, "max_pool2d")
    geom = _pool_geometry("max_pool2d", x, kernel_size, stride, padding, dilation, ceil_mode)
    values, index = pool_ops.max_pool_index(x._data, geom)
    out = pool_ops.MaxPool.apply(x, found=(values, index), overlapping=geom.overlapping)
    out = out.squeeze(0) if unbatched else out
    if not return_indices:
        return out
    index = index % (x.shape[2] * x.shape[3])  # the position within its plane (a new array: MaxPool keeps its own)
    return out, Tensor._make(index[0] if unbatched else index)


def avg_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """Each window's mean: (N, C, H, W) → (N, C, Ho, Wo). Padding counts as zeros, and counts in the divisor when
    ``count_include_pad`` (a window running past the padding with ``ceil_mode`` does not count that part)."""
    x, unbatched = args.images(input, "avg_pool2d")
    geom = _pool_geometry("avg_pool2d", x, kernel_size, stride, padding, 1, ceil_mode)
    if divisor_override is not None:
        if isinstance(divisor_override, bool) or not isinstance(divisor_override, int) or divisor_override < 1:
            raise ValueError(f"avg_pool2d: divisor_override must be a positive int, got {divisor_override!r}")
        scale = 1.0 / divisor_override
    else:
        scale = args.pool_scale(geom, args.pair(padding, "padding", "avg_pool2d"), count_include_pad, x.dtype)
    out = pool_ops.AvgPool.apply(x, geom=geom, scale=scale)
    return out.squeeze(0) if unbatched else out


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """Means over windows that tile (N, C, H, W) into ``output_size`` (Ho, Wo) (None keeps a size), as PyTorch
    places them: window i of an axis covers [⌊i·H/Ho⌋, ⌈(i+1)·H/Ho⌉)."""
    x, unbatched = args.images(input, "adaptive_avg_pool2d")
    size = tuple(x.shape[2:])
    out_size = tuple(n if o is None else o for o, n in zip(args.pair(output_size, "output_size",
                                                                      "adaptive_avg_pool2d", none=True), size))
    if min(out_size) < 1:
        raise ValueError(f"adaptive_avg_pool2d: output_size must be positive, got {output_size!r}")
    if size[0] % out_size[0] == 0 and size[1] % out_size[1] == 0:  # equal windows: a plain average pool
        kernel = (size[0] // out_size[0], size[1] // out_size[1])
        out = avg_pool2d(x, kernel, kernel)
    else:
        rows, cols = (Tensor._make(args.averaging_matrix(n, o, x.dtype)) for n, o in zip(size, out_size))
        out = rows @ x @ cols.mT
    return out.squeeze(0) if unbatched else out


def _pool_geometry(op: str, x: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
                   ceil_mode: bool) -> windows.Geometry:
    kernel = args.pair(kernel_size, "kernel_size", op)
    step = kernel if stride is None or stride == () else args.pair(stride, "stride", op)
    pads, dil = args.pair(padding, "padding", op), args.pair(dilation, "dilation", op)
    if any(p > k // 2 for p, k in zip(pads, kernel)):
        raise ValueError(f"{op}: padding {pads} should be at most half of kernel_size {kernel} (as PyTorch requires)")
    return geometry(op, tuple(x.shape[2:]), kernel, step, tuple((p, p) for p in pads), dil, bool(ceil_mode))


# ------------------------------------------------------------------ padding, im2col
def pad(input: Tensor, pad: Any, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad the last ``len(pad) // 2`` axes: ``pad`` = (left, right) of the last axis, then of the one before, ...

    'constant' fills with ``value`` (0 by default; negative widths crop); 'reflect' mirrors about the edge,
    'replicate' repeats it, 'circular' wraps around (these three pad 1 to 3 axes of an input with one or
    two more).
    """
    widths = args.pad_widths(input, pad, mode, value)
    if mode != "constant":
        for axis, (lo, hi) in enumerate(widths):
            if lo or hi:
                key = (slice(None),) * axis + (pad_ops.edge_index(input.shape[axis], lo, hi, mode),)
                input = input[key]
        return input
    crop = tuple(slice(-lo if lo < 0 else 0, n + hi if hi < 0 else n) for (lo, hi), n in zip(widths, input.shape))
    if any(lo < 0 or hi < 0 for lo, hi in widths):
        input = input[crop]
    grow = tuple((max(lo, 0), max(hi, 0)) for lo, hi in widths)
    if not any(lo or hi for lo, hi in grow):
        return input
    return pad_ops.Pad.apply(input, widths=grow, value=0.0 if value is None else float(value))


def unfold(input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> Tensor:
    """im2col: (N, C, H, W) → (N, C·kh·kw, L), column l holding window l's elements, channel by channel."""
    x, unbatched = args.images(input, "unfold")
    kernel, dil, pads, step = (args.pair(v, n, "unfold") for v, n in (
        (kernel_size, "kernel_size"), (dilation, "dilation"), (padding, "padding"), (stride, "stride")))  # fmt: skip
    geom = geometry("unfold", tuple(x.shape[2:]), kernel, step, tuple((p, p) for p in pads), dil)
    out = conv_ops.Unfold.apply(x, geom=geom)
    return out.squeeze(0) if unbatched else out


def fold(input: Tensor, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
         stride: Any = 1) -> Tensor:
    """col2im, the adjoint of ``unfold``: (N, C·kh·kw, L) → (N, C, *output_size), overlapping elements summed."""
    if not (isinstance(input, Tensor) and input.ndim in (2, 3)):
        raise ShapeError(f"fold: input must be a Tensor (N, C·kh·kw, L) or (C·kh·kw, L), got {args.describe(input)}")
    cols = input.unsqueeze(0) if input.ndim == 2 else input
    size, kernel, dil, pads, step = (args.pair(v, n, "fold") for v, n in (
        (output_size, "output_size"), (kernel_size, "kernel_size"), (dilation, "dilation"), (padding, "padding"),
        (stride, "stride")))  # fmt: skip
    geom = geometry("fold", size, kernel, step, tuple((p, p) for p in pads), dil)
    taps, count = kernel[0] * kernel[1], geom.out[0] * geom.out[1]
    if cols.shape[1] % taps or cols.shape[2] != count:
        raise ShapeError(f"fold: input of shape {tuple(input.shape)} does not fit: its rows must be a multiple of "
                         f"kh·kw = {taps} and its columns the {count} windows of an output of size {size}")  # fmt: skip
    out = conv_ops.Fold.apply(cols, geom=geom, channels=cols.shape[1] // taps)
    return out.squeeze(0) if input.ndim == 2 else out


# ------------------------------------------------------------------ dropout, batch norm
def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False, *,
              generator: Generator | None = None) -> Tensor:  # fmt: skip
    """Zero whole channels with probability ``p`` and scale the rest by 1/(1 − p); (N, C, …) → a mask per (N, C)
    (``inplace``: written back into ``input``).

    A 3-d input is read as (N, C, L), as PyTorch does today.
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout2d: p must be in [0, 1], got {p}")
    if not (isinstance(input, Tensor) and input.ndim >= 2):
        raise ShapeError(f"dropout2d: input must be a Tensor (N, C, H, W), got {args.describe(input)}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        out = input * 0.0
    else:
        keep = resolve(generator).random(input.shape[:2]) >= p
        mask = (keep / (1.0 - p)).astype(input.dtype).reshape(input.shape[:2] + (1,) * (input.ndim - 2))
        out = input * Tensor._make(mask)
    return input.copy_(out) if inplace else out


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None, weight: Tensor | None = None,
               bias: Tensor | None = None, training: bool = False, momentum: float = 0.1,
               eps: float = 1e-5) -> Tensor:
    """Normalise (N, C, …) per channel, then scale by ``weight`` and shift by ``bias`` (C,).

    Training: with the batch's mean and biased variance, updating ``running_mean`` and ``running_var``
    in place (``momentum``; the variance unbiased) when given. Otherwise: with the running statistics.
    """
    x = args.floating(input, "batch_norm")
    if x.ndim < 2:
        raise ShapeError(f"batch_norm: input must be (N, C, …), got shape {tuple(x.shape)}")
    c = x.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight), ("bias", bias)):
        if t is not None and (not isinstance(t, Tensor) or tuple(t.shape) != (c,)):
            raise ShapeError(f"batch_norm: {name} must be a Tensor of shape ({c},) for {c} channels, got "
                             f"{args.describe(t)}")  # fmt: skip
    shape = norm_ops.channel_shape(x.ndim, c)
    if not training:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: evaluation mode (training=False) needs running_mean and running_var")
        scale = Tensor._make((running_var._data.astype(x.dtype) + eps) ** -0.5)
        scale = scale if weight is None else weight * scale
        out = (x - Tensor._make(running_mean._data.astype(x.dtype).reshape(shape))) * scale.reshape(shape)
        return out if bias is None else out + bias.reshape(shape)
    m = x.size // c if c else 0
    if m <= 1:
        raise ValueError(f"batch_norm: expected more than 1 value per channel when training, got input of shape "
                         f"{tuple(x.shape)}")  # fmt: skip
    mean, var = norm_ops.batch_stats(x._data)
    with no_grad():  # the running averages: buffers, updated in place
        if running_mean is not None:
            running_mean.mul_(1 - momentum).add_(Tensor._make(mean.reshape(c)), alpha=momentum)
        if running_var is not None:
            running_var.mul_(1 - momentum).add_(Tensor._make(var.reshape(c)), alpha=momentum * m / (m - 1))
    w = Tensor._make(xp.ones(c, x.dtype)) if weight is None else weight
    b = Tensor._make(xp.zeros(c, x.dtype)) if bias is None else bias
    if w.dtype != x.dtype or b.dtype != x.dtype:
        raise DTypeError(f"batch_norm: weight and bias must have the input's dtype {x.dtype}, got {w.dtype} and "
                         f"{b.dtype}")  # fmt: skip
    return norm_ops.BatchNorm.apply(x, w, b, mean=mean, var=var, eps=eps)
