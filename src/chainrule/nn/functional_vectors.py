"""Functions on vectors along a dimension (``F.normalize``, ``F.cosine_similarity``) and ``F.one_hot``.

Each composes differentiable ops (``norm``, ``clamp_min``, division), so its gradient is theirs.
"""

from __future__ import annotations

from typing import Any

from chainrule.backend import xp
from chainrule.data import transforms
from chainrule.errors import DTypeError, ShapeError
from chainrule.tensor import Tensor


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """``input`` divided by its ``p``-norm along ``dim``, the norm at least ``eps`` (unit rows of (N, D) by default)."""
    _floating(input, "normalize")
    return input / input.norm(p, dim, keepdim=True).clamp_min(eps)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """Σ x1·x2 / (‖x1‖·‖x2‖) along ``dim`` (the inputs broadcast), each norm at least ``eps``, as PyTorch computes it:
    each input divided by its own norm first, so the result stays in [−1, 1]."""
    for t in (_floating(x1, "cosine_similarity"), _floating(x2, "cosine_similarity")):
        if t.dtype != x1.dtype:
            raise DTypeError(f"cosine_similarity: x1 has dtype {x1.dtype} and x2 {x2.dtype}; they must share one")
    try:
        shape = xp.broadcast_shapes(x1.shape, x2.shape)
    except ValueError:
        raise ShapeError(f"cosine_similarity: shapes {x1.shape} and {x2.shape} do not broadcast") from None
    if not -len(shape) <= dim < max(len(shape), 1):
        raise IndexError(f"cosine_similarity: dim {dim} is out of range for shape {shape}")
    x1, x2 = x1.broadcast_to(shape), x2.broadcast_to(shape)  # norms along dim of the broadcast tensors
    unit1 = x1 / x1.norm(2, dim, keepdim=True).clamp_min(eps)
    unit2 = x2 / x2.norm(2, dim, keepdim=True).clamp_min(eps)
    return (unit1 * unit2).sum(dim)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """(…,) integer class labels → (…, num_classes) int64 one-hot rows; -1 takes max label + 1, as PyTorch's."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"one_hot: expected an integer Tensor of class labels, got {type(tensor).__name__}")
    return transforms.one_hot(tensor, None if num_classes == -1 else num_classes)


def _floating(t: Any, op: str) -> Tensor:
    if not isinstance(t, Tensor) or t.dtype.kind != "f":
        got = t.dtype if isinstance(t, Tensor) else type(t).__name__
        raise DTypeError(f"{op}: expected a floating-point Tensor, got {got}")
    return t
