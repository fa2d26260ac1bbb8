"""Function forms of layers, activations and losses (``chainrule.nn.functional``, like ``torch.nn.functional``).

Losses take ``reduction='mean'|'sum'|'none'`` and run as one fused node each
(see ``chainrule.ops.loss``), with exact, stable gradients. Class-index targets
are integer tensors or arrays of shape (N,).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from chainrule import backend
from chainrule.backend import xp
from chainrule.errors import DTypeError, ShapeError
from chainrule.nn.functional_conv import (
    adaptive_avg_pool2d,
    avg_pool2d,
    batch_norm,
    conv1d,
    conv2d,
    conv_transpose2d,
    dropout2d,
    fold,
    max_pool2d,
    pad,
    unfold,
)
from chainrule.nn.functional_layers import embedding, layer_norm
from chainrule.ops import loss as fused
from chainrule.ops.activation import Relu, Sigmoid, Tanh
from chainrule.ops.elementwise import where
from chainrule.ops.linalg import Linear, MatMul
from chainrule.ops.smooth import Elu, Gelu, Silu, Softplus
from chainrule.random import Generator, resolve
from chainrule.tensor import Tensor

__all__ = [
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "dropout", "l2_penalty",
    "leaky_relu", "linear", "log_softmax", "mse_loss", "multiclass_svm_loss", "nll_loss", "relu", "sigmoid",
    "softmax", "tanh", "elu", "embedding", "gelu", "layer_norm", "silu", "softplus",
    # images (nn.functional_conv)
    "adaptive_avg_pool2d", "avg_pool2d", "batch_norm", "conv1d", "conv2d", "conv_transpose2d", "dropout2d", "fold",
    "max_pool2d", "pad", "unfold",
]  # fmt: skip

REDUCTIONS = ("mean", "sum", "none")


# ------------------------------------------------------------------ layers and activations
def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias`` with weight of shape (out_features, in_features)."""
    if isinstance(bias, Tensor) and isinstance(input, Tensor) and isinstance(weight, Tensor):
        x, w, b = input.data, weight.data, bias.data
        # The common case as one node, computed as matmul + add would. NumPy shares dtype objects,
        # so ``is`` tests one dtype cheaply (an equal dtype that is another object takes the general path).
        if w.ndim == 2 and b.ndim == 1 and x.dtype is w.dtype is b.dtype:
            return Linear.apply(input, weight, bias)
    w_dtype = getattr(weight, "dtype", None)  # mixed dtypes are refused (NumPy would promote): identity first
    if getattr(input, "dtype", w_dtype) is not w_dtype or getattr(bias, "dtype", w_dtype) is not w_dtype:
        _refuse_mixed(input, weight, bias)
    # One matmul node reading weight transposed (no separate transpose node in the graph).
    out = MatMul.apply(input, weight, tb=True) if input.ndim >= 2 and weight.ndim == 2 else input @ weight.mT
    return out if bias is None else out + bias


def _refuse_mixed(input: Any, weight: Any, bias: Any) -> None:
    """Raise when the input's or the bias's dtype differs from the weight's, as PyTorch does."""
    w = weight.dtype
    for name, t in (("input", input), ("bias", bias)):
        d = getattr(t, "dtype", None)
        if d is not None and d != w:
            raise DTypeError(
                f"linear: the {name} has dtype {d} but the weight has {w}, and a layer computes in one dtype: "
                f"convert the {name} with .float() or .double() to match, or the model with model.to(cr.{d})"
            )


def sigmoid(input: Tensor) -> Tensor:
    """σ(x) = 1 / (1 + e^−x), element-wise."""
    if not isinstance(input, Tensor):
        raise _not_a_tensor("sigmoid", input)
    return Sigmoid.apply(input)


def tanh(input: Tensor) -> Tensor:
    if not isinstance(input, Tensor):
        raise _not_a_tensor("tanh", input)
    return Tanh.apply(input)


def relu(input: Tensor) -> Tensor:
    """max(x, 0), element-wise."""
    if not isinstance(input, Tensor):
        raise _not_a_tensor("relu", input)
    return Relu.apply(input)


def leaky_relu(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """``x`` where x > 0, else ``negative_slope · x``."""
    return where(input.data > 0, input, input * negative_slope)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x·Φ(x), Φ the standard normal CDF; ``approximate='tanh'`` uses PyTorch's tanh formula instead."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return Gelu.apply(_tensor(input, "gelu"), approximate=approximate)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x·σ(x), element-wise (also called swish)."""
    return _maybe_in_place(input, Silu.apply(_tensor(input, "silu")), inplace)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, α(eˣ − 1) otherwise."""
    return _maybe_in_place(input, Elu.apply(_tensor(input, "elu"), alpha=alpha), inplace)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + e^(βx))/β, smooth relu; x itself where βx > threshold (for numerical stability)."""
    return Softplus.apply(_tensor(input, "softplus"), beta=beta, threshold=threshold)


def _tensor(input: Any, op: str) -> Tensor:
    if not isinstance(input, Tensor):
        raise _not_a_tensor(op, input)
    return input


def _maybe_in_place(input: Tensor, out: Tensor, inplace: bool) -> Tensor:
    """With ``inplace``, write ``out`` into ``input`` (a recorded in-place update, as in PyTorch) and return it."""
    return input.copy_(out) if inplace else out


def softmax(input: Tensor, dim: int = -1) -> Tensor:
    return input.softmax(axis=dim)


def log_softmax(input: Tensor, dim: int = -1) -> Tensor:
    return input.log_softmax(axis=dim)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, generator: Generator | None = None) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by 1/(1 − p) (identity when not training)."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be in [0, 1], got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    keep = resolve(generator).random(input.shape) >= p
    return input * Tensor._make((keep / (1.0 - p)).astype(input.dtype))


# ------------------------------------------------------------------ losses on class labels
def cross_entropy(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Softmax cross-entropy of logits (N, C) against integer labels (N,) — or class probabilities (N, C).

    The gradient w.r.t. the logits is (softmax(input) − one_hot(target)) / N for 'mean'.
    """
    _check_reduction(reduction, "cross_entropy")
    _check_logits(input, "cross_entropy")
    target = _as_tensor(target)
    if target.data.dtype.kind == "f":  # soft labels: −Σ_c t_c log p_c
        _same_shape(input, target, "cross_entropy")
        losses = -(target * input.log_softmax(axis=1)).sum(axis=1)
        return losses if reduction == "none" else getattr(losses, reduction)()
    _check_labels(input, target, "cross_entropy")
    return fused.CrossEntropy.apply(input, target, reduction=reduction)


def nll_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood −input[i, target_i] of log-probabilities (N, C) (use after log_softmax)."""
    _check_reduction(reduction, "nll_loss")
    _check_logits(input, "nll_loss")
    target = _as_tensor(target)
    _check_labels(input, target, "nll_loss")
    return fused.NLL.apply(input, target, reduction=reduction)


def multiclass_svm_loss(input: Tensor, target: Any, margin: float = 1.0, reduction: str = "mean") -> Tensor:
    """Weston–Watkins multiclass hinge: L_i = Σ_{j≠y_i} max(0, s_j − s_{y_i} + margin).

    'mean' averages over samples only, so this equals PyTorch's ``multi_margin_loss`` × C.
    """
    _check_reduction(reduction, "multiclass_svm_loss")
    _check_logits(input, "multiclass_svm_loss")
    target = _as_tensor(target)
    _check_labels(input, target, "multiclass_svm_loss")
    return fused.MulticlassSVM.apply(input, target, reduction=reduction, margin=float(margin))


# ------------------------------------------------------------------ element-wise losses
def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Squared error (input − target)², averaged over every element for 'mean'.

    The textbook ½‖a − t‖² is ``0.5 * mse_loss(a, t, reduction='sum')``.
    """
    input, target = _pair(input, target, reduction, "mse_loss")
    return fused.MSE.apply(input, target, reduction=reduction)


def binary_cross_entropy(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """−[t log p + (1 − t) log(1 − p)] of probabilities p ∈ [0, 1], logs clamped at −100 (like PyTorch)."""
    input, target = _pair(input, target, reduction, "binary_cross_entropy")
    low, high = (input.data.min(), input.data.max()) if input.size else (0, 1)
    if not (low >= 0 and high <= 1):  # NaN fails too, as in PyTorch
        raise ValueError(
            "binary_cross_entropy: input must hold probabilities in [0, 1], got values in "
            f"[{low:.4g}, {high:.4g}]; for logits use binary_cross_entropy_with_logits"
        )
    return fused.BCE.apply(input, target, reduction=reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of sigmoid(input), computed stably from the logits (fine at ±1e4).

    With reduction='sum' the gradient w.r.t. each logit is exactly sigmoid(x) − y.
    """
    input, target = _pair(input, target, reduction, "binary_cross_entropy_with_logits")
    return fused.BCEWithLogits.apply(input, target, reduction=reduction)


def l2_penalty(params: Iterable[Tensor]) -> Tensor:
    """Σ‖p‖² over ``params`` (e.g. ``model.parameters()``); add ``λ/2 · l2_penalty`` to a loss for L2 decay.

    SGD's ``weight_decay=λ`` gives the same update without building the term in the graph.
    """
    terms = [(p * p).sum() for p in params]
    if not terms:
        raise ValueError("l2_penalty: no parameters given")
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    return total


# ------------------------------------------------------------------ checks
def _check_reduction(reduction: str, op: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{op}: reduction must be one of {REDUCTIONS}, got {reduction!r}")


def _not_a_tensor(op: str, value: Any) -> TypeError:
    return TypeError(f"{op}: input must be a Tensor, got {type(value).__name__}; wrap it with cr.tensor(...)")


def _check_float(input: Any, op: str) -> None:
    if not isinstance(input, Tensor):
        raise _not_a_tensor(op, input)
    if input.data.dtype.kind != "f":
        raise DTypeError(f"{op}: input must be floating point, got {input.dtype}; use .float()")


def _check_logits(input: Tensor, op: str) -> None:
    """A floating-point Tensor of shape (N, C); tested in one go, explained when it fails."""
    if not (isinstance(input, Tensor) and input.data.ndim == 2 and input.data.dtype.kind == "f"):
        _check_float(input, op)
        raise ShapeError(f"{op}: input must have shape (N, C), got {input.shape}")


def _as_tensor(target: Any) -> Tensor:
    return target if isinstance(target, Tensor) else Tensor._make(backend.as_array(target))


_UNSIGNED: dict = {}  # integer dtype -> the unsigned dtype of its size and byte order


def _unsigned(dtype: Any) -> Any:
    """The unsigned dtype of ``dtype``'s size and byte order, remembered in ``_UNSIGNED``."""
    _UNSIGNED[dtype] = unsigned = xp.dtype(dtype.str.replace("i", "u"))
    return unsigned


def _check_labels(input: Tensor, target: Tensor, op: str) -> None:
    n, c = input.data.shape
    labels = target.data
    if labels.dtype.kind not in "iu":
        raise DTypeError(f"{op}: target must hold integer class labels, got dtype {target.dtype}")
    if labels.shape != (n,):
        raise ShapeError(f"{op}: target must have shape ({n},) for input of shape {input.shape}, got {target.shape}")
    # One pass: read as unsigned, a negative label is huge, so the largest value alone tells.
    if n and xp.maximum.reduce(labels.view(_UNSIGNED.get(labels.dtype) or _unsigned(labels.dtype))) >= c:
        low, high = xp.minimum.reduce(labels), xp.maximum.reduce(labels)
        raise ValueError(f"{op}: class labels must be in [0, {c - 1}] for {c} classes, got values in [{low}, {high}]")


def _same_shape(input: Tensor, target: Tensor, op: str) -> None:
    if input.shape != target.shape:
        raise ShapeError(f"{op}: target shape {target.shape} differs from input shape {input.shape}; they must match")


def _pair(input: Tensor, target: Any, reduction: str, op: str) -> tuple[Tensor, Tensor]:
    """Check an element-wise loss's operands; the target takes the input's dtype."""
    _check_reduction(reduction, op)
    _check_float(input, op)
    target = _as_tensor(target)
    _same_shape(input, target, op)
    if target.dtype != input.dtype:
        target = target.astype(input.dtype)
    return input, target
