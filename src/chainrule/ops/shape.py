"""Shape ops: reshape, permute, expand/sum_to, squeeze, concatenate, stack (indexing: ``ops.indexing``).

``Expand``'s backward is the identity: the engine's ``unbroadcast`` (which uses
``SumTo``) sums the gradient back to the input's shape, as for every other op.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chainrule import backend
from chainrule.autograd.function import Primitive
from chainrule.backend import xp
from chainrule.errors import ShapeError
from chainrule.tensor import Tensor, dim_index


def shape_arg(shape: tuple) -> tuple:
    """Accept ``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])`` alike; refuse non-integers."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for n in shape:
        if not isinstance(n, (int, xp.integer)) or isinstance(n, bool):
            raise TypeError(f"shape entries must be ints, got {shape!r}")
    return tuple(int(n) for n in shape)


class Reshape(Primitive):
    label = "reshape"
    is_view = True

    @staticmethod
    def forward(ctx, a, shape):
        ctx.in_shape = a.shape
        return a.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return (g.reshape(ctx.in_shape),)


class Permute(Primitive):
    label = "permute"
    is_view = True

    @staticmethod
    def forward(ctx, a, axes):
        if a.ndim and sorted(axes) != list(range(a.ndim)):
            raise ValueError(f"axes {axes} are not a permutation of the {a.ndim} dimensions")
        ctx.axes = axes
        return xp.transpose(a, axes)

    @staticmethod
    def backward(ctx, g):
        return (g.permute(*[int(i) for i in xp.argsort(ctx.axes)]),)


class Expand(Primitive):
    """Broadcast to a larger shape without copying (NumPy's rules)."""

    label = "expand"
    is_view = True

    @staticmethod
    def forward(ctx, a, shape):
        return xp.broadcast_to(a, shape)

    @staticmethod
    def backward(ctx, g):
        return (g,)


def sum_to_shape(a: Any, shape: tuple) -> Any:
    """Sum array ``a`` over the axes that broadcasting added or stretched, giving ``shape``.

    The one broadcasting reduction in chainrule (``SumTo`` and the engine's
    ``unbroadcast`` both use it). If ``shape`` does not broadcast to ``a.shape``,
    the result's shape differs from ``shape``: callers check it.
    """
    lead = a.ndim - len(shape)
    if lead == 1 and a.ndim == 2:  # a batch of rows summed into one (a bias's gradient)
        a = backend.add_rows(a)
    elif lead:  # the ufunc's reduce itself: ndarray.sum goes through a Python wrapper
        a = xp.add.reduce(a, axis=tuple(range(lead)) if lead > 1 else 0)
    if 1 in shape:
        ones = tuple(i for i, n in enumerate(shape) if n == 1 and a.shape[i] != 1)
        if ones:
            a = xp.add.reduce(a, axis=ones, keepdims=True)
    return a if type(a) is xp.ndarray else xp.asarray(a)  # a full reduction gives a NumPy scalar


class SumTo(Primitive):
    """Sum a broadcast array back to ``shape`` (differentiable: its backward broadcasts again)."""

    label = "sum_to"

    @staticmethod
    def forward(ctx, a, shape):
        ctx.in_shape = a.shape
        return sum_to_shape(a, shape)

    @staticmethod
    def backward(ctx, g):
        return (g.expand(ctx.in_shape),)


class Clone(Primitive):
    label = "clone"

    @staticmethod
    def forward(ctx, a):
        return a.copy()

    @staticmethod
    def backward(ctx, g):
        return (g,)


def expand(t: Tensor, shape: tuple) -> Tensor:
    """Broadcast ``t`` to ``shape``; ``-1`` keeps the existing size (PyTorch's ``expand``)."""
    lead = len(shape) - t.ndim
    if lead < 0:
        raise ShapeError(f"expand: cannot expand shape {t.shape} to fewer dimensions {shape}")
    sizes = tuple(t.shape[i - lead] if n == -1 and i >= lead else n for i, n in enumerate(shape))
    if sizes == t.shape:
        return t
    return Expand.apply(t, shape=sizes)


def flatten(t: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions ``start_dim..end_dim`` into one (a 0-d tensor becomes 1-d, as in PyTorch)."""
    start, end = dim_index(start_dim, t.ndim, "flatten"), dim_index(end_dim, t.ndim, "flatten")
    if t.ndim == 0:
        return t.reshape(1)
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for shape {t.shape}")
    merged = 1
    for n in t.shape[start : end + 1]:
        merged *= n
    return t.reshape(t.shape[:start] + (merged,) + t.shape[end + 1 :])


def transpose(t: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dimensions."""
    dim0, dim1 = dim_index(dim0, t.ndim, "transpose"), dim_index(dim1, t.ndim, "transpose")
    if dim0 == dim1:
        return Permute.apply(t, axes=tuple(range(t.ndim)))  # still a view, as in PyTorch
    axes = list(range(t.ndim))
    axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
    return Permute.apply(t, axes=tuple(axes))


def squeeze(t: Tensor, axis: Any = None) -> Tensor:
    """Drop size-1 dimensions (all, or those in ``axis``; others are left as they are)."""
    if axis is None:
        drop = {i for i, n in enumerate(t.shape) if n == 1}
    else:
        axes = axis if isinstance(axis, (tuple, list)) else (axis,)
        drop = {i for i in (dim_index(a, t.ndim, "squeeze") for a in axes) if t.ndim and t.shape[i] == 1}
    if not drop:
        return t
    return t.reshape(tuple(n for i, n in enumerate(t.shape) if i not in drop))


def unsqueeze(t: Tensor, axis: int) -> Tensor:
    """Insert a size-1 dimension at ``axis`` (``-1`` appends)."""
    if not -t.ndim - 1 <= axis <= t.ndim:
        raise IndexError(f"unsqueeze: axis {axis} out of range for a tensor with {t.ndim} dimensions")
    axis = axis % (t.ndim + 1)
    return t.reshape(t.shape[:axis] + (1,) + t.shape[axis:])


# ---------------------------------------------------------------- joining
class Concatenate(Primitive):
    label = "concat"

    @staticmethod
    def forward(ctx, *arrays, axis=0):
        ctx.axis = axis
        ctx.sizes = [a.shape[axis] for a in arrays]
        return xp.concatenate(arrays, axis=axis)

    @staticmethod
    def backward(ctx, g):
        grads, start = [], 0
        lead = (slice(None),) * ctx.axis
        for size, need in zip(ctx.sizes, ctx.needs_input_grad):
            grads.append(g[lead + (slice(start, start + size),)] if need else None)
            start += size
        return tuple(grads)


class Stack(Primitive):
    label = "stack"

    @staticmethod
    def forward(ctx, *arrays, axis=0):
        ctx.axis = axis
        return xp.stack(arrays, axis=axis)

    @staticmethod
    def backward(ctx, g):
        lead = (slice(None),) * ctx.axis
        return tuple(g[lead + (i,)] if need else None for i, need in enumerate(ctx.needs_input_grad))


def _join(op: type, tensors: Sequence[Any], axis: int, extra_dim: int) -> Tensor:
    if not isinstance(tensors, (list, tuple)) or not tensors:
        raise ValueError(f"{op.label}: expected a non-empty list or tuple of tensors")
    first = tensors[0]
    ndim = (first.ndim if isinstance(first, Tensor) else xp.ndim(first)) + extra_dim
    if not extra_dim:
        for i, t in enumerate(tensors):
            if xp.ndim(t._data if isinstance(t, Tensor) else t) == 0:
                raise ShapeError(f"{op.label}: the 0-d tensor at position {i} cannot be concatenated (it has no "
                                 "axis to join along); use stack, or reshape it to (1,)")  # fmt: skip
    if not -max(ndim, 1) <= axis < max(ndim, 1):
        raise IndexError(f"{op.label}: axis {axis} out of range for {ndim}-d results")
    return op.apply(*tensors, axis=axis % max(ndim, 1))


def concatenate(tensors: Sequence[Any], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join tensors along an existing axis (all other sizes must match); ``dim`` is PyTorch's name for it."""
    return _join(Concatenate, tensors, axis if dim is None else dim, 0)


def stack(tensors: Sequence[Any], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join same-shaped tensors along a new axis; ``dim`` is PyTorch's name for it."""
    return _join(Stack, tensors, axis if dim is None else dim, 1)
