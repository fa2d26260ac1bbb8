"""Copies and pieces: ``repeat``/``tile`` (one op) and ``split``/``chunk`` (views by slicing), as in PyTorch."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chainrule.autograd.function import Primitive
from chainrule.backend import xp
from chainrule.errors import ShapeError
from chainrule.ops.indexing import Index
from chainrule.ops.shape import shape_arg
from chainrule.tensor import Tensor, dim_index


class Repeat(Primitive):
    """``a`` tiled ``reps[i]`` times along axis i (``reps`` may add leading axes); the gradient adds the copies.

    The upstream gradient is read as (r₀, n₀, r₁, n₁, …) — copy index beside element index per axis —
    and summed over the copy indices.
    """

    label = "repeat"

    @staticmethod
    def forward(ctx, a, reps):
        ctx.in_shape, ctx.reps = a.shape, reps
        return xp.tile(a, reps)

    @staticmethod
    def rule(ctx, g):
        lead = len(ctx.reps) - len(ctx.in_shape)
        sizes = (1,) * lead + ctx.in_shape
        pairs = tuple(n for r, s in zip(ctx.reps, sizes) for n in (r, s))
        copies = tuple(range(0, len(pairs), 2))
        return (g.reshape(pairs).sum(axis=copies).reshape(ctx.in_shape),)


def repeat(a: Tensor, sizes: tuple) -> Tensor:
    """``Tensor.repeat``: ``sizes`` has an entry for every dimension (and may add leading ones)."""
    reps = shape_arg(sizes)
    if len(reps) < a.ndim:
        raise ShapeError(f"repeat: got {len(reps)} repeat count(s) {reps} for a tensor of shape {a.shape}; give at "
                         f"least {a.ndim} (one per dimension), or use tile")  # fmt: skip
    return _tiled("repeat", a, reps)


def tile(a: Tensor, dims: tuple) -> Tensor:
    """``torch.tile``: as ``repeat``, with 1s put in front of ``dims`` when it is shorter than the shape."""
    reps = shape_arg(dims)
    return _tiled("tile", a, (1,) * (a.ndim - len(reps)) + reps)


def _tiled(op: str, a: Tensor, reps: tuple) -> Tensor:
    if any(r < 0 for r in reps):
        raise ValueError(f"{op}: repeat counts must be non-negative, got {reps}")
    return Repeat.apply(a, reps=reps)


def split(a: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple:
    """Pieces of ``a`` along ``dim`` (views): of ``split_size`` each (the last may be smaller), or of the
    listed sizes, which must add up to the dimension's size."""
    d = _axis("split", a, dim)
    n = a.shape[d]
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = list(shape_arg(tuple(split_size_or_sections)))
        if any(s < 0 for s in sizes) or sum(sizes) != n:
            raise ShapeError(f"split: section sizes {sizes} must be non-negative and add up to {n}, the size of "
                             f"dimension {d} of shape {a.shape}")  # fmt: skip
    else:
        size = shape_arg((split_size_or_sections,))[0]
        if size < 0 or (size == 0 and n):
            raise ValueError(f"split: split_size must be positive (0 only for an empty dimension), got {size} for "
                             f"dimension {d} of size {n}")  # fmt: skip
        sizes = [min(size, n - start) for start in range(0, n, size)] if n else [0]
    return _pieces(a, d, sizes)


def chunk(a: Tensor, chunks: int, dim: int = 0) -> tuple:
    """``a`` cut into ``chunks`` pieces of ⌈n / chunks⌉ along ``dim`` (fewer when they run out), as ``torch.chunk``."""
    if not isinstance(chunks, (int, xp.integer)) or isinstance(chunks, bool) or chunks < 1:
        raise ValueError(f"chunk: chunks must be a positive int, got {chunks!r}")
    d = _axis("chunk", a, dim)
    n = a.shape[d]
    if n == 0:  # every piece is empty, and there are ``chunks`` of them (as in PyTorch)
        return _pieces(a, d, [0] * int(chunks))
    return split(a, -(-n // int(chunks)), d)


def _axis(op: str, a: Tensor, dim: int) -> int:
    if a.ndim == 0:
        raise ShapeError(f"{op}: expects a tensor with at least one dimension, got a 0-d tensor")
    return dim_index(dim, a.ndim, op)


def _pieces(a: Tensor, d: int, sizes: Sequence[int]) -> tuple:
    lead, out, start = (slice(None),) * d, [], 0
    for size in sizes:
        out.append(Index.apply(a, key=lead + (slice(start, start + size),)))
        start += size
    return tuple(out)
