"""Sliding windows over images: their geometry, the views of their taps, im2col and col2im.

A 2-d convolution or pooling layer slides a ``kh × kw`` window (with dilation) over a padded
input by a stride. ``Geometry`` holds those sizes, checked once; every kernel here reads it.
A window's taps are read through one strided view of the padded input (``tap_views``), copied
only where a GEMM needs them contiguous (im2col, a chunk of samples at a time in ``conv_kernels``).
col2im (``fold_add``) adds the taps back with ``kh · kw`` strided additions, each over a whole chunk.

With stride 1 (and a small enough waste) the taps are read on an *extended grid*: output
positions ``ho · Wp + wo`` of the flattened padded plane, ``wo`` running past ``Wo`` to ``Wp``.
Every tap is then one contiguous run of ``L = (Ho − 1) · Wp + Wo`` elements instead of ``Ho``
runs of ``Wo``, which makes im2col and col2im several times faster on small images; the
extra columns are computed and dropped (or given zero gradient).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

from chainrule.backend import xp
from chainrule.errors import ShapeError

_as_strided = xp.lib.stride_tricks.as_strided


@dataclass(frozen=True)
class Geometry:
    """Where each tap of a window reads a 2-d input of ``size`` (H, W), and the output's ``out`` (Ho, Wo).

    ``padding`` is ((top, bottom), (left, right)); the bottom and right may exceed the user's padding
    when pooling with ``ceil_mode`` makes the last window run past the input.
    """

    size: tuple
    kernel: tuple
    stride: tuple
    padding: tuple
    dilation: tuple
    out: tuple

    @cached_property
    def padded(self) -> tuple:
        """(Hp, Wp): the input's size with its padding."""
        (top, bottom), (left, right) = self.padding
        return self.size[0] + top + bottom, self.size[1] + left + right

    @cached_property
    def taps(self) -> int:
        return self.kernel[0] * self.kernel[1]

    @cached_property
    def extended(self) -> bool:
        """Whether convolutions read taps on the extended grid: stride 1, the padded input exactly
        covered by the windows, and at most half as many extra columns as real ones."""
        (dh, dw), (kh, kw), (ho, wo) = self.dilation, self.kernel, self.out
        exact = self.padded == (ho + dh * (kh - 1), wo + dw * (kw - 1))
        return self.stride == (1, 1) and exact and 2 * self.padded[1] <= 3 * wo

    @cached_property
    def positions(self) -> int:
        """Output positions computed per plane: L on the extended grid, else Ho · Wo."""
        ho, wo = self.out
        return (ho - 1) * self.padded[1] + wo if self.extended else ho * wo

    @cached_property
    def overlapping(self) -> bool:
        """Whether two windows can share an input element (their gradients must then be added, not assigned)."""
        return any(s < d * (k - 1) + 1 for s, d, k in zip(self.stride, self.dilation, self.kernel))

    @cached_property
    def is_padded(self) -> bool:
        return any(p for pair in self.padding for p in pair)

    @cached_property
    def flat_taps(self):
        """Each tap's offset from its window's start in a flattened (unpadded) input plane, (kh · kw,) int64."""
        (kh, kw), (dh, dw), w = self.kernel, self.dilation, self.size[1]
        return xp.array([i * dh * w + j * dw for i in range(kh) for j in range(kw)], xp.int64)

    @cached_property
    def flat_starts(self):
        """Each window's start in a flattened (unpadded) input plane, (Ho, Wo) int64 (outside it in the padding)."""
        (ho, wo), (sh, sw), ((top, _), (left, _)), w = self.out, self.stride, self.padding, self.size[1]
        return ((xp.arange(ho) * sh - top) * w)[:, None] + (xp.arange(wo) * sw - left)


def make_geometry(op: str, size: tuple, kernel: tuple, stride: tuple, padding: tuple, dilation: tuple,
                  ceil_mode: bool = False) -> Geometry:
    """Check the sizes of a window op (``op`` names it in errors) and work out its output size.

    ``padding`` is ((top, bottom), (left, right)). With ``ceil_mode`` (pooling), a last partial
    window is kept when it starts inside the input or its left padding, as in PyTorch.
    """
    for name, values, low in (("kernel_size", kernel, 1), ("stride", stride, 1), ("dilation", dilation, 1)):
        if any(v < low for v in values):
            raise ValueError(f"{op}: {name} must be positive, got {values}")
    if any(p < 0 for pair in padding for p in pair):
        raise ValueError(f"{op}: padding must be non-negative, got {padding}")
    out, pads = [], []
    for n, k, s, (lo, hi), d in zip(size, kernel, stride, padding, dilation):
        span = d * (k - 1) + 1
        room = n + lo + hi - span
        if room < 0:
            raise ShapeError(
                f"{op}: the input's spatial size {tuple(size)} with padding {padding} is smaller than the "
                f"(dilated) kernel {tuple(kernel)}: each padded side must be at least dilation·(kernel−1)+1"
            )
        count = (-(-room // s) if ceil_mode else room // s) + 1
        if ceil_mode and (count - 1) * s >= n + lo:  # the last window would start in the right padding
            count -= 1
        out.append(count)
        pads.append((lo, max(hi, (count - 1) * s + span - n - lo)))
    return Geometry(tuple(size), tuple(kernel), tuple(stride), tuple(pads), tuple(dilation), tuple(out))


def pad_planes(x, geom: Geometry, value: float = 0.0):
    """``x`` (N, C, H, W) inside a fresh (N, C, Hp, Wp) array filled with ``value``; ``x`` itself when it
    needs no padding and its planes are contiguous rows (as the extended grid reads them)."""
    (top, bottom), (left, right) = geom.padding
    n, c, h, w = x.shape
    if not (top or bottom or left or right):
        rows = x.strides[3] == x.itemsize and x.strides[2] == w * x.itemsize
        return x if rows else xp.ascontiguousarray(x)
    out = xp.empty((n, c, h + top + bottom, w + left + right), x.dtype)
    out.fill(value)
    out[:, :, top : top + h, left : left + w] = x
    return out


def tap_views(xp_, geom: Geometry, extended: bool = False):
    """The taps of every window as one view (N, C, kh, kw, *grid) of the padded planes ``xp_`` (only read).

    The grid is (L,) on the extended grid (see the module docstring; ``geom.extended`` must hold),
    else (Ho, Wo).
    """
    sn, sc, sh, sw = xp_.strides
    head, taps = xp_.shape[:2] + geom.kernel, (geom.dilation[0] * sh, geom.dilation[1] * sw)
    if extended:
        shape, strides = head + (geom.positions,), (sn, sc) + taps + (sw,)
    else:
        shape, strides = head + geom.out, (sn, sc) + taps + (geom.stride[0] * sh, geom.stride[1] * sw)
    if xp_.flags.c_contiguous and xp_.size:  # 5 times cheaper than as_strided
        return xp.ndarray(shape, xp_.dtype, buffer=xp_, strides=strides)
    return _as_strided(xp_, shape, strides, writeable=False)


def fold_add(dxp, cols, geom: Geometry, extended: bool = False) -> None:
    """col2im: add ``cols`` (N, C, kh, kw, *grid) into the padded planes ``dxp`` where each tap read them.

    On the extended grid ``dxp`` must be C-contiguous (its planes are read as flat runs).
    """
    (kh, kw), (dh, dw), (sh, sw), (ho, wo) = geom.kernel, geom.dilation, geom.stride, geom.out
    n, c, hp, wp = dxp.shape
    flat = dxp.reshape(n, c, hp * wp) if extended else None
    for i in range(kh):
        for j in range(kw):
            if extended:
                start = i * dh * wp + j * dw
                view = flat[:, :, start : start + geom.positions]
            else:
                view = dxp[:, :, i * dh : i * dh + sh * (ho - 1) + 1 : sh, j * dw : j * dw + sw * (wo - 1) + 1 : sw]
            view += cols[:, :, i, j]


def crop(xp_, geom: Geometry):
    """The unpadded part of padded planes: a view, or ``xp_`` itself when there is no padding (an array
    that owns its memory is handed on as it is, where a view would be copied into a leaf's ``.grad``)."""
    if not geom.is_padded:
        return xp_
    (top, _), (left, _) = geom.padding
    h, w = geom.size
    return xp_[:, :, top : top + h, left : left + w]


def chunks(n: int, per_sample: int, budget: int = 1 << 20):
    """(start, stop) of consecutive slices of ``n`` samples, each about ``budget`` bytes of ``per_sample``."""
    step = max(1, budget // max(per_sample, 1))
    return [(lo, min(n, lo + step)) for lo in range(0, n, step)]


def unfold(x, geom: Geometry):
    """im2col: (N, C, H, W) → (N, C·kh·kw, Ho·Wo), channel-major within each column (PyTorch's ``unfold``)."""
    n, c = x.shape[:2]
    cols = xp.empty((n, c) + geom.kernel + geom.out, x.dtype)
    if cols.size:
        xp.copyto(cols, tap_views(pad_planes(x, geom), geom))
    return cols.reshape(n, c * geom.taps, math.prod(geom.out))


def fold(cols, geom: Geometry, channels: int):
    """col2im: (N, C·kh·kw, Ho·Wo) → (N, C, H, W), overlapping taps added (PyTorch's ``fold``)."""
    n = cols.shape[0]
    dxp = xp.zeros((n, channels) + geom.padded, cols.dtype)
    fold_add(dxp, cols.reshape((n, channels) + geom.kernel + geom.out), geom)
    return xp.ascontiguousarray(crop(dxp, geom))
