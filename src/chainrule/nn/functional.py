"""Function forms of layers, activations and losses (``chainrule.nn.functional``, like ``torch.nn.functional``).

This module holds the activations, ``linear``, ``dropout`` and softmax; the losses live in
``functional_losses``, the image functions in ``functional_conv`` and ``embedding``/``layer_norm``
in ``functional_layers``, all re-exported here under PyTorch's names.
"""

from __future__ import annotations

from typing import Any

from chainrule.errors import DTypeError
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
from chainrule.nn.functional_losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    l1_loss,
    l2_penalty,
    mse_loss,
    multiclass_svm_loss,
    nll_loss,
    smooth_l1_loss,
)
from chainrule.nn.functional_vectors import cosine_similarity, normalize, one_hot
from chainrule.ops.activation import Relu, Sigmoid, Tanh
from chainrule.ops.elementwise import where
from chainrule.ops.linalg import Linear, MatMul
from chainrule.ops.smooth import Elu, Gelu, Silu, Softplus
from chainrule.random import Generator, resolve
from chainrule.tensor import Tensor

__all__ = [
    "dropout", "elu", "embedding", "gelu", "layer_norm", "leaky_relu", "leaky_relu_", "linear", "log_softmax", "relu",
    "relu_", "sigmoid",
    "silu", "softmax", "softplus", "tanh",
    # losses (nn.functional_losses)
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "huber_loss", "l1_loss",
    "l2_penalty", "mse_loss", "multiclass_svm_loss", "nll_loss", "smooth_l1_loss",
    # vectors (nn.functional_vectors)
    "cosine_similarity", "normalize", "one_hot",
    # images (nn.functional_conv)
    "adaptive_avg_pool2d", "avg_pool2d", "batch_norm", "conv1d", "conv2d", "conv_transpose2d", "dropout2d", "fold",
    "max_pool2d", "pad", "unfold",
]  # fmt: skip


# ------------------------------------------------------------------ layers and activations
def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias`` with weight of shape (out_features, in_features)."""
    if isinstance(bias, Tensor) and isinstance(input, Tensor) and isinstance(weight, Tensor):
        x, w, b = input._data, weight._data, bias._data
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
            # a model's parameters are floating: an integer or boolean input is what to convert
            model = f", or the model with model.to(cr.{d})" if d.kind == "f" else ""
            raise DTypeError(
                f"linear: the {name} has dtype {d} but the weight has {w}, and a layer computes in one dtype: "
                f"convert the {name} with .float() or .to(cr.{w}) to match{model}"
            )


def sigmoid(input: Tensor) -> Tensor:
    """σ(x) = 1 / (1 + e^−x), element-wise."""
    if not isinstance(input, Tensor):
        raise _not_a_tensor("sigmoid", input)
    return Sigmoid.apply(input)


def tanh(input: Tensor) -> Tensor:
    """tanh x, element-wise."""
    if not isinstance(input, Tensor):
        raise _not_a_tensor("tanh", input)
    return Tanh.apply(input)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0), element-wise (``inplace``: written back into ``input``)."""
    return _maybe_in_place(input, Relu.apply(_tensor(input, "relu")), inplace)


def relu_(input: Tensor) -> Tensor:
    """:func:`relu` written back into ``input`` (a recorded in-place update); returns ``input``."""
    return relu(input, inplace=True)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``x`` where x > 0, else ``negative_slope · x`` (``inplace``: written back into ``input``)."""
    input = _tensor(input, "leaky_relu")
    return _maybe_in_place(input, where(input._data > 0, input, input * negative_slope), inplace)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """:func:`leaky_relu` written back into ``input`` (a recorded in-place update); returns ``input``."""
    return leaky_relu(input, negative_slope, inplace=True)


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


def _not_a_tensor(op: str, value: Any) -> TypeError:
    return TypeError(f"{op}: input must be a Tensor, got {type(value).__name__}; wrap it with cr.tensor(...)")


def _maybe_in_place(input: Tensor, out: Tensor, inplace: bool) -> Tensor:
    """With ``inplace``, write ``out`` into ``input`` (a recorded in-place update, as in PyTorch) and return it."""
    return input.copy_(out) if inplace else out


def softmax(input: Tensor, dim: int = -1) -> Tensor:
    """eˣ / Σ eˣ along ``dim`` (the last by default), computed stably."""
    return input.softmax(axis=dim)


def log_softmax(input: Tensor, dim: int = -1) -> Tensor:
    """x − logsumexp(x) along ``dim`` (the last by default): log-probabilities for :func:`nll_loss`."""
    return input.log_softmax(axis=dim)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False, *,
            generator: Generator | None = None) -> Tensor:  # fmt: skip
    """Zero each element with probability ``p`` and scale the rest by 1/(1 − p) (identity when not training;
    ``inplace``: written back into ``input``)."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be in [0, 1], got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return _maybe_in_place(input, input * 0.0, inplace)
    keep = resolve(generator).random(input.shape) >= p
    return _maybe_in_place(input, input * Tensor._make((keep / (1.0 - p)).astype(input.dtype)), inplace)
