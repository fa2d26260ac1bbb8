"""Function forms of the Embedding and LayerNorm layers (``nn.functional.embedding`` and ``layer_norm``).

Each checks its arguments as PyTorch does (dtypes, shapes, index range), then runs one fused op
(``ops.embedding``, ``ops.layer_norm``).
"""

from __future__ import annotations

from typing import Any

from chainrule import backend
from chainrule.autograd.mode import no_grad
from chainrule.backend import xp
from chainrule.errors import DTypeError, ShapeError
from chainrule.ops.embedding import Embedding
from chainrule.ops.layer_norm import LayerNorm
from chainrule.tensor import Tensor


def embedding(input: Any, weight: Tensor, padding_idx: int | None = None, max_norm: float | None = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:  # fmt: skip
    """Rows of ``weight`` (num_embeddings, embedding_dim) picked by the integer tensor ``input`` (any shape):
    an output of shape ``input.shape + (embedding_dim,)``.

    ``padding_idx``: that row receives no gradient. ``max_norm``: each row looked up whose
    ``norm_type``-norm exceeds it is first rescaled to that norm, in place (as in PyTorch).
    ``scale_grad_by_freq``: each row's gradient is divided by its count in ``input``.

    >>> F.embedding(cr.tensor([[0, 2]]), weight)      # shape (1, 2, embedding_dim)
    """
    if sparse:
        raise ValueError("embedding: sparse=True is not supported (chainrule has no sparse gradients)")
    idx = input._data if isinstance(input, Tensor) else xp.asarray(input)
    if idx.dtype.kind not in "iu":
        raise DTypeError(f"embedding: indices must be integers (int64 or int32), got dtype {idx.dtype}")
    if not isinstance(weight, Tensor) or weight.ndim != 2:
        got = weight.shape if isinstance(weight, Tensor) else type(weight).__name__
        raise ShapeError(f"embedding: weight must be a 2-d Tensor (num_embeddings, embedding_dim), got {got}")
    rows = weight.shape[0]
    if idx.size and not (0 <= idx.min() and idx.max() < rows):
        bad = idx.min() if idx.min() < 0 else idx.max()
        raise IndexError(f"embedding: index {bad} is out of range for {rows} embeddings (valid: 0 to {rows - 1})")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += rows
    if max_norm is not None:
        _renorm(weight, idx, max_norm, norm_type)
    return Embedding.apply(weight, indices=idx, padding_idx=padding_idx, scale_grad_by_freq=scale_grad_by_freq)


def _renorm(weight: Tensor, idx: Any, max_norm: float, norm_type: float) -> None:
    """Rescale, in place and outside the graph, the rows of ``weight`` in ``idx`` whose norm exceeds ``max_norm``."""
    rows = xp.unique(idx)
    norms = xp.linalg.norm(weight._data[rows], ord=norm_type, axis=1)
    over = norms > max_norm
    if over.any():
        scale = (max_norm / (norms[over] + 1e-7)).astype(weight.dtype)[:, None]
        with no_grad():
            weight[rows[over]] = weight._data[rows[over]] * scale


def layer_norm(input: Tensor, normalized_shape: Any, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:  # fmt: skip
    """Normalise each sample over its last dimensions, those of ``normalized_shape``, then scale by
    ``weight`` and shift by ``bias`` (both of that shape, or None).

    >>> F.layer_norm(x, (x.shape[-1],))               # x of shape (N, D)
    """
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if not isinstance(input, Tensor) or not backend.is_floating(input.dtype):
        got = input.dtype if isinstance(input, Tensor) else type(input).__name__
        raise DTypeError(f"layer_norm: input must be a floating-point Tensor, got {got}")
    k = len(shape)
    if not k or input.ndim < k or input.shape[input.ndim - k :] != shape:
        raise ShapeError(f"layer_norm: normalized_shape {shape} must be the last dimensions of the input, got "
                         f"input of shape {input.shape} (expected (*, {', '.join(map(str, shape))}))")  # fmt: skip
    for name, p in (("weight", weight), ("bias", bias)):
        if p is None:
            continue
        if p.shape != shape:
            raise ShapeError(f"layer_norm: {name} must have shape {shape}, got {p.shape}")
        if p.dtype != input.dtype:
            raise DTypeError(f"layer_norm: {name} has dtype {p.dtype} but the input has {input.dtype}; all must "
                             "share one: convert the input with .float()/.double() or the model with "
                             "model.to(dtype)")  # fmt: skip
    axes = tuple(range(input.ndim - k, input.ndim))
    return LayerNorm.apply(input, 1.0 if weight is None else weight, 0.0 if bias is None else bias, axes=axes,
                           eps=eps)  # fmt: skip
