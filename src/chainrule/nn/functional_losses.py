"""The losses of ``chainrule.nn.functional`` (``F.cross_entropy``, ``F.mse_loss`` ...) and the checks of their
arguments.

Each takes ``reduction='mean'|'sum'|'none'``. With no option, a loss runs as one fused node (forward and
backward side by side in ``chainrule.ops.loss``) with an exact, stable gradient; options (class weights,
``ignore_index``, label smoothing, ``pos_weight``) compose differentiable ops. Class-index targets are
integer tensors or arrays.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from chainrule import backend
from chainrule.backend import xp
from chainrule.errors import DTypeError, ShapeError
from chainrule.nn import _conv_args as args
from chainrule.ops import loss as fused
from chainrule.ops.elementwise import where
from chainrule.tensor import Tensor

__all__ = [
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "huber_loss", "l1_loss",
    "l2_penalty", "mse_loss", "multiclass_svm_loss", "nll_loss", "smooth_l1_loss",
]  # fmt: skip

REDUCTIONS = ("mean", "sum", "none")


# ------------------------------------------------------------------ losses on class labels
def cross_entropy(
    input: Tensor, target: Any, weight: Any = None, *, ignore_index: int = -100, reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Softmax cross-entropy of logits (N, C), (C,) or (N, C, d1, …) against integer labels (N,), () or
    (N, d1, …) — or class probabilities of the input's shape. PyTorch's options and rules: ``weight`` (C,)
    per class, 'mean' divides by the summed weights of the kept labels; labels equal to ``ignore_index``
    count nothing; ``label_smoothing`` ε mixes ε/C of the uniform distribution into the target.

    With no option, (N, C) logits and labels (N,) run as one fused node whose gradient w.r.t. the logits is
    (softmax(input) − one_hot(target)) / N for 'mean'.
    """
    if isinstance(weight, str):  # the earlier (input, target, reduction) form
        weight, reduction = None, weight
    _check_reduction(reduction, "cross_entropy")
    target = _as_tensor(target)
    if weight is None and label_smoothing == 0.0 and _fast_labels(input, target, ignore_index, "cross_entropy"):
        return fused.CrossEntropy.apply(input, target, reduction=reduction)
    return _class_loss(input, target, weight, ignore_index, reduction, label_smoothing, "cross_entropy")


def nll_loss(
    input: Tensor, target: Any, weight: Any = None, *, ignore_index: int = -100, reduction: str = "mean"
) -> Tensor:
    """Negative log-likelihood −weight[y]·input[i, y] of log-probabilities (use after log_softmax); shapes,
    ``weight`` and ``ignore_index`` as in :func:`cross_entropy`."""
    if isinstance(weight, str):  # the earlier (input, target, reduction) form
        weight, reduction = None, weight
    _check_reduction(reduction, "nll_loss")
    target = _as_tensor(target)
    if weight is None and _fast_labels(input, target, ignore_index, "nll_loss"):
        return fused.NLL.apply(input, target, reduction=reduction)
    return _class_loss(input, target, weight, ignore_index, reduction, None, "nll_loss")


def _class_loss(input: Tensor, target: Tensor, weight: Any, ignore_index: int, reduction: str,
                smoothing: float | None, op: str) -> Tensor:
    """cross_entropy (smoothing a number) or nll_loss (smoothing None) with options, from differentiable ops."""
    args.floating(input, op)
    if input.ndim == 0:
        raise ShapeError(f"{op}: input must have shape (C,), (N, C) or (N, C, d1, ...), got a 0-d tensor")
    classes = input.shape[0] if input.ndim == 1 else input.shape[1]
    weight = _class_weight(weight, classes, input._data.dtype, op)
    eps = 0.0 if smoothing is None else float(smoothing)
    if not 0.0 <= eps <= 1.0:
        raise ValueError(f"{op}: label_smoothing must be between 0.0 and 1.0, got {smoothing}")
    logp = input.log_softmax(axis=0 if input.ndim == 1 else 1) if smoothing is not None else input
    sample_shape = input.shape[:1] + input.shape[2:] if input.ndim > 1 else ()
    if smoothing is not None and target._data.dtype.kind == "f":  # class probabilities
        _same_shape(input, target, op)
        probs = fused.class_rows(target if target.dtype == input.dtype else target.astype(input.dtype))
        return fused.soft_cross_entropy(fused.class_rows(logp), probs, weight, eps, reduction, sample_shape)
    _check_label_values(target, sample_shape, classes, ignore_index, input.shape, op)
    labels = target._data.reshape(-1).astype(xp.intp)
    return fused.labelled_nll(fused.class_rows(logp), labels, weight, ignore_index, eps, reduction, sample_shape)


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


def l1_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Absolute error |input − target|, averaged over every element for 'mean' (gradient 0 where they are equal)."""
    input, target = _pair(input, target, reduction, "l1_loss")
    return _reduce((input - target).abs(), reduction)


def smooth_l1_loss(input: Tensor, target: Any, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """0.5·d²/β where d = |input − target| < β, else d − 0.5·β (``beta=0``: :func:`l1_loss`), as PyTorch's."""
    if not beta >= 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta!r}")
    input, target = _pair(input, target, reduction, "smooth_l1_loss")
    d = (input - target).abs()
    return _reduce(d if beta == 0 else where(d._data < beta, d * d * (0.5 / beta), d - 0.5 * beta), reduction)


def huber_loss(input: Tensor, target: Any, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """0.5·d² where d = |input − target| < δ, else δ·(d − 0.5·δ): ``delta`` × :func:`smooth_l1_loss` with β = δ."""
    if not delta > 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta!r}")
    input, target = _pair(input, target, reduction, "huber_loss")
    d = (input - target).abs()
    return _reduce(where(d._data < delta, d * d * 0.5, (d - 0.5 * delta) * delta), reduction)


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    """The element-wise ``loss`` reduced as ``reduction`` ('mean', 'sum' or 'none') says."""
    return loss if reduction == "none" else loss.sum() if reduction == "sum" else loss.mean()


def binary_cross_entropy(input: Tensor, target: Any, weight: Any = None, *, reduction: str = "mean") -> Tensor:
    """−[t log p + (1 − t) log(1 − p)] of probabilities p ∈ [0, 1], logs clamped at −100 (like PyTorch);
    ``weight`` (broadcast to the input) scales each element's loss."""
    if isinstance(weight, str):  # the earlier (input, target, reduction) form
        weight, reduction = None, weight
    input, target = _pair(input, target, reduction, "binary_cross_entropy")
    low, high = (input._data.min(), input._data.max()) if input.size else (0, 1)
    if not (low >= 0 and high <= 1):  # NaN fails too, as in PyTorch
        raise ValueError(
            "binary_cross_entropy: input must hold probabilities in [0, 1], got values in "
            f"[{low:.4g}, {high:.4g}]; for logits use binary_cross_entropy_with_logits"
        )
    if weight is None:
        return fused.BCE.apply(input, target, reduction=reduction)
    weight = _broadcast_factor(weight, "weight", input, "binary_cross_entropy")
    return _reduce(fused.BCE.apply(input, target, reduction="none") * weight, reduction)


def binary_cross_entropy_with_logits(
    input: Tensor, target: Any, weight: Any = None, *, reduction: str = "mean", pos_weight: Any = None
) -> Tensor:
    """Binary cross-entropy of sigmoid(input), computed stably from the logits (fine at ±1e4).

    ``weight`` (broadcast to the input) scales each element's loss; ``pos_weight`` (broadcast along the last
    axis, one per class) scales the positive term, as in PyTorch. With no option and reduction='sum' the
    gradient w.r.t. each logit is exactly sigmoid(x) − y.
    """
    if isinstance(weight, str):  # the earlier (input, target, reduction) form
        weight, reduction = None, weight
    input, target = _pair(input, target, reduction, "binary_cross_entropy_with_logits")
    if weight is None and pos_weight is None:
        return fused.BCEWithLogits.apply(input, target, reduction=reduction)
    weight, pos_weight = (_broadcast_factor(f, name, input, "binary_cross_entropy_with_logits")
                          for f, name in ((weight, "weight"), (pos_weight, "pos_weight")))
    return fused.bce_with_logits_options(input, target, weight, pos_weight, reduction)


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


def _check_logits(input: Tensor, op: str) -> None:
    """A floating-point Tensor of shape (N, C); tested in one go, explained when it fails."""
    if not (isinstance(input, Tensor) and input._data.ndim == 2 and input._data.dtype.kind == "f"):
        args.floating(input, op)
        raise ShapeError(f"{op}: input must have shape (N, C), got {input.shape}")


def _fast_labels(input: Any, target: Tensor, ignore_index: int, op: str) -> bool:
    """True when logits (N, C) and labels (N,), all in range, can take the fused node (tested in one go).

    False sends other shapes, and labels equal to ``ignore_index``, to the general path, which explains.
    """
    if not (isinstance(input, Tensor) and input._data.ndim == 2 and input._data.dtype.kind == "f"
            and target._data.dtype.kind in "iu" and target._data.shape == input._data.shape[:1]):
        return False
    n, c = input._data.shape
    if 0 <= ignore_index < c:  # a class that may be ignored: only the general path can tell
        return False
    return not _out_of_range(target._data, c)


def _check_label_values(target: Tensor, shape: tuple, classes: int, ignore_index: int, input_shape: tuple,
                        op: str) -> None:
    labels = target._data
    if labels.dtype.kind not in "iu":
        raise DTypeError(f"{op}: target must hold integer class labels, got dtype {target.dtype}")
    if labels.shape != shape:
        raise ShapeError(f"{op}: target must have shape {shape} for input of shape {input_shape}, got "
                         f"{target.shape}; input (C,) takes a 0-d label, (N, C) or (N, C, d1, ...) takes (N,) or "
                         "(N, d1, ...)")
    bad = (labels != ignore_index) & ((labels < 0) | (labels >= classes))
    if bad.any():
        kept = labels[labels != ignore_index]
        raise ValueError(f"{op}: class labels must be in [0, {classes - 1}] for {classes} classes (or equal "
                         f"ignore_index={ignore_index}), got values in [{kept.min()}, {kept.max()}]")


def _class_weight(weight: Any, classes: int, dtype: Any, op: str) -> Any:
    """A per-class weight as a constant array of the input's dtype, or None."""
    if weight is None:
        return None
    w = backend.as_array(weight._data if isinstance(weight, Tensor) else weight)
    if w.shape != (classes,):
        raise ShapeError(f"{op}: weight must have shape ({classes},), one per class, got {w.shape}")
    return w.astype(dtype)


def _broadcast_factor(factor: Any, name: str, input: Tensor, op: str) -> Tensor | None:
    """``weight`` or ``pos_weight`` as a Tensor of the input's dtype that broadcasts to the input, or None."""
    if factor is None:
        return None
    factor = _as_tensor(factor)
    try:
        shape = xp.broadcast_shapes(factor.shape, input.shape)
    except ValueError:
        shape = None
    if shape != input.shape:
        raise ShapeError(f"{op}: {name} of shape {factor.shape} does not broadcast to the input's shape {input.shape}")
    return factor if factor.dtype == input.dtype else factor.astype(input.dtype)


def _as_tensor(target: Any) -> Tensor:
    return target if isinstance(target, Tensor) else Tensor._make(backend.as_array(target))


_UNSIGNED: dict = {}  # integer dtype -> the unsigned dtype of its size and byte order


def _out_of_range(labels: Any, classes: int) -> bool:
    """Whether any integer label lies outside [0, classes), in one pass: read as unsigned, a negative label is
    huge, so the largest value alone tells."""
    unsigned = _UNSIGNED.get(labels.dtype) or _unsigned(labels.dtype)
    return bool(labels.size and xp.maximum.reduce(labels.view(unsigned)) >= classes)


def _unsigned(dtype: Any) -> Any:
    """The unsigned dtype of ``dtype``'s size and byte order, remembered in ``_UNSIGNED``."""
    _UNSIGNED[dtype] = unsigned = xp.dtype(dtype.str.replace("i", "u"))
    return unsigned


def _check_labels(input: Tensor, target: Tensor, op: str) -> None:
    n, c = input._data.shape
    labels = target._data
    if labels.dtype.kind not in "iu":
        raise DTypeError(f"{op}: target must hold integer class labels, got dtype {target.dtype}")
    if labels.shape != (n,):
        raise ShapeError(f"{op}: target must have shape ({n},) for input of shape {input.shape}, got {target.shape}")
    if _out_of_range(labels, c):
        low, high = xp.minimum.reduce(labels), xp.maximum.reduce(labels)
        raise ValueError(f"{op}: class labels must be in [0, {c - 1}] for {c} classes, got values in [{low}, {high}]")


def _same_shape(input: Tensor, target: Tensor, op: str) -> None:
    if input.shape != target.shape:
        raise ShapeError(f"{op}: target shape {target.shape} differs from input shape {input.shape}; they must match")


def _pair(input: Tensor, target: Any, reduction: str, op: str) -> tuple[Tensor, Tensor]:
    """Check an element-wise loss's operands; the target takes the input's dtype."""
    _check_reduction(reduction, op)
    args.floating(input, op)
    target = _as_tensor(target)
    _same_shape(input, target, op)
    if target.dtype != input.dtype:
        target = target.astype(input.dtype)
    return input, target
