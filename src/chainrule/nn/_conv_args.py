"""Argument checks and conversions shared by the function forms (``functional_conv``, ``functional_losses``).

Each raises an error that names the function, the value at fault and what is valid.
"""

from __future__ import annotations

from typing import Any

from chainrule.backend import xp
from chainrule.errors import DTypeError, ShapeError
from chainrule.tensor import Tensor

PAD_MODES = ("constant", "reflect", "replicate", "circular")


def describe(value: Any) -> str:
    """A value as an error message shows it: a Tensor's shape and dtype, else its type."""
    if isinstance(value, Tensor):
        return f"a Tensor of shape {tuple(value.shape)} ({value.dtype})"
    return "None" if value is None else f"a {type(value).__name__}"


def floating(input: Any, op: str) -> Tensor:
    """``input`` itself, checked to be a floating-point Tensor."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {describe(input)}; wrap it with cr.tensor(...)")
    if input._data.dtype.kind != "f":
        raise DTypeError(f"{op}: input must be floating point, got {input.dtype}; use .float()")
    return input


def images(input: Any, op: str) -> tuple[Tensor, bool]:
    """(a batch (N, C, H, W), whether ``input`` was a single image (C, H, W) given a batch axis)."""
    floating(input, op)
    if input.ndim == 4:
        return input, False
    if input.ndim == 3:
        return input.unsqueeze(0), True
    raise ShapeError(f"{op}: input must be (N, C, H, W) or (C, H, W), got shape {tuple(input.shape)}")


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, xp.integer)) and not isinstance(v, bool)


def pair(value: Any, name: str, op: str, none: bool = False) -> tuple:
    """An int or a sequence of two ints (None allowed where ``none``) as an (h, w) pair."""
    if type(value) is int:  # the common cases first: this runs several times per layer call
        return (value, value)
    if type(value) is tuple and len(value) == 2 and type(value[0]) is int and type(value[1]) is int:
        return value
    items = (value, value) if _is_int(value) or (none and value is None) else value
    try:
        h, w = items
    except (TypeError, ValueError):
        raise TypeError(f"{op}: {name} must be an int or a pair of ints, got {value!r}") from None
    if not all(_is_int(v) or (none and v is None) for v in (h, w)):
        raise TypeError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")
    return tuple(v if v is None else int(v) for v in (h, w))


def single(value: Any, name: str, op: str) -> int:
    """An int or a one-element sequence of one (a 1-d op's size)."""
    if isinstance(value, (tuple, list)) and len(value) == 1:
        value = value[0]
    if not _is_int(value):
        raise TypeError(f"{op}: {name} must be an int or a one-element tuple, got {value!r}")
    return int(value)


def check_conv_operands(op: str, x: Tensor, weight: Any, bias: Any, groups: Any, transposed: bool) -> None:
    """The weight (and bias) fit the input: channels, groups, dimensions and one dtype throughout."""
    layout = "(in_channels, out_channels/groups, kh, kw)" if transposed else \
        "(out_channels, in_channels/groups, kh, kw)"
    if not (isinstance(weight, Tensor) and weight.ndim == 4):
        raise ShapeError(f"{op}: weight must be a 4-d Tensor {layout}, got {describe(weight)}")
    if not _is_int(groups) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    c = x.shape[1]
    per_group = weight.shape[0] if transposed else weight.shape[1] * groups
    outputs = weight.shape[1] * groups if transposed else weight.shape[0]
    if per_group != c or (not transposed and outputs % groups) or (transposed and weight.shape[0] % groups):
        raise ShapeError(f"{op}: weight of shape {tuple(weight.shape)} {layout} with groups={groups} does not fit an "
                         f"input with {c} channels (shape {tuple(x.shape)})")  # fmt: skip
    if min(weight.shape) < 1:
        raise ShapeError(f"{op}: weight of shape {tuple(weight.shape)} has a zero size")
    if bias is not None and not (isinstance(bias, Tensor) and tuple(bias.shape) == (outputs,)):
        raise ShapeError(f"{op}: bias must be a Tensor of shape ({outputs},), got {describe(bias)}")
    dtypes = {t.dtype for t in (x, weight, bias) if t is not None}
    if len(dtypes) > 1:
        raise DTypeError(f"{op}: input, weight and bias must share one dtype, got {x.dtype}, {weight.dtype}"
                         + ("" if bias is None else f" and {bias.dtype}"))  # fmt: skip


def conv_padding(padding: Any, kernel: tuple, dilation: tuple, stride: tuple, op: str) -> tuple:
    """((top, bottom), (left, right)) for a conv's ``padding``: an int, a pair, 'valid' or 'same'."""
    if padding == "valid":
        return ((0, 0), (0, 0))
    if padding == "same":
        if stride != (1, 1):
            raise ValueError(f"{op}: padding='same' is not supported for strided convolutions (stride {stride})")
        totals = (d * (k - 1) for d, k in zip(dilation, kernel))
        return tuple((t // 2, t - t // 2) for t in totals)
    if isinstance(padding, str):
        raise ValueError(f"{op}: padding must be an int, a pair of ints, 'valid' or 'same', got {padding!r}")
    pads = pair(padding, "padding", op)
    if min(pads) < 0:
        raise ValueError(f"{op}: padding must be non-negative, got {padding!r}")
    return tuple((p, p) for p in pads)


def pool_scale(geom: Any, padding: tuple, count_include_pad: bool, dtype: Any) -> Any:
    """1/divisor of average pooling: a number when every window has the same divisor, else an (Ho, Wo) array."""
    counts = []
    for n, k, s, p, o in zip(geom.size, geom.kernel, geom.stride, padding, geom.out):
        start = xp.arange(o) * s - p
        end = xp.minimum(start + k, n + p)  # the window, cut at the padding's end
        counts.append(end - start if count_include_pad else xp.minimum(end, n) - xp.maximum(start, 0))
    divisor = counts[0][:, None] * counts[1][None, :]
    if (divisor == divisor.flat[0]).all():
        return 1.0 / float(divisor.flat[0])
    return (1.0 / divisor).astype(dtype)


def averaging_matrix(n: int, out: int, dtype: Any) -> Any:
    """(out, n): row i averages PyTorch's adaptive window [⌊i·n/out⌋, ⌈(i+1)·n/out⌉) of an axis of n."""
    i = xp.arange(out)
    start, end = (i * n) // out, -((-(i + 1) * n) // out)
    j = xp.arange(n)
    inside = (j >= start[:, None]) & (j < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


def pad_widths(input: Any, pad: Any, mode: str, value: Any) -> list:
    """One (before, after) pair per axis of ``input`` for ``pad`` (pairs from the last axis backwards), checked."""
    if not isinstance(input, Tensor):
        raise TypeError(f"pad: input must be a Tensor, got {describe(input)}")
    if mode not in PAD_MODES:
        raise ValueError(f"pad: mode must be one of {PAD_MODES}, got {mode!r}")
    if not isinstance(pad, (tuple, list)) or len(pad) % 2 or not all(_is_int(p) for p in pad):
        raise ValueError(f"pad: pad must be a tuple of an even number of ints, got {pad!r}")
    axes = len(pad) // 2
    if axes > input.ndim:
        raise ValueError(f"pad: {len(pad)} padding sizes for a {input.ndim}-d input; at most two per dimension")
    widths = [(0, 0)] * (input.ndim - axes) + [(int(pad[2 * i]), int(pad[2 * i + 1])) for i in reversed(range(axes))]
    if mode == "constant":
        for (lo, hi), n in zip(widths, input.shape):
            if n + lo + hi < 0:
                raise ValueError(f"pad: padding {pad} would give input of shape {tuple(input.shape)} a negative size")
        return widths
    if value not in (None, 0):
        raise ValueError(f"pad: mode {mode!r} takes no value (got {value!r})")
    if not 1 <= axes <= 3 or input.ndim not in (axes + 1, axes + 2):
        raise ShapeError(f"pad: mode {mode!r} pads 1 to 3 dimensions of an input with one or two more; got {axes} "
                         f"dimension(s) for an input of shape {tuple(input.shape)}")  # fmt: skip
    for (lo, hi), n in list(zip(widths, input.shape))[-axes:]:
        limit = n - 1 if mode == "reflect" else (n if mode == "circular" else None)
        if min(lo, hi) < 0 or (limit is not None and max(lo, hi) > limit) or (mode == "replicate" and n == 0):
            rule = {"reflect": "smaller than", "circular": "at most"}.get(mode, "non-negative for")
            raise ValueError(f"pad: mode {mode!r} needs each width {rule} the dimension it pads; got {pad} for "
                             f"shape {tuple(input.shape)}")  # fmt: skip
    return widths
