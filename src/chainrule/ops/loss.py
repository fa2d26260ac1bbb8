"""Fused loss primitives: one node per loss, with an exact and numerically stable backward.

Each forward works on backend arrays and reduces per ``reduction`` ('mean',
'sum' or 'none'); each backward is written with Tensor ops so that
``create_graph=True`` gives second derivatives. Argument checking lives in
``chainrule.nn.functional``; these classes trust their inputs.
"""

from __future__ import annotations

import functools

from chainrule.autograd.function import Primitive
from chainrule.backend import errstate, reduce_rows, xp
from chainrule.ops.elementwise import where
from chainrule.tensor import Tensor

LOG_FLOOR = -100.0  # BCELoss clamps log(p) and log(1 - p) here, as PyTorch does
PROB_FLOOR = 1e-12  # ... and p(1 - p) in its gradient


def _reduce(losses, reduction: str):
    if reduction == "none":
        return losses
    total = xp.add.reduce(losses, axis=None)  # a scalar of losses' dtype (the ufunc itself: no Python wrapper)
    if reduction != "mean":
        return total
    return total / losses.size if losses.size else total * xp.nan  # the mean of nothing is NaN, quietly


def _scale(g: Tensor, reduction: str, count: int, per_sample: bool) -> Tensor:
    """The upstream gradient, shaped to multiply a per-element gradient (÷ count for 'mean').

    No elements: the gradient is empty whatever the scale, and g / 0 would put 0 · inf = NaN in
    its second derivative with respect to g.
    """
    if reduction == "mean":
        return g / count if count else g
    if reduction == "none" and per_sample:
        return g.unsqueeze(1)  # one loss per row of an (N, C) input
    return g


@functools.lru_cache(maxsize=16)
def _rows(n: int, width: int = 1):
    """0, width, 2·width … : where each of n rows starts in a flattened (n, width) array (by default
    the row numbers). Cached: the same batch size comes every step."""
    rows = xp.arange(0, n * width, width)
    rows.flags.writeable = False
    return rows


def _label_index(target, width: int):
    """The flat index of each row's label in a C-ordered (rows, width) array: one fancy index
    on the flattened array costs a third of NumPy's two-array ``a[rows, target]``."""
    if target.dtype.kind == "u":  # uint64 + int64 would be float64: no index
        target = target.astype(xp.intp)
    return _rows(len(target), width) + target


class CrossEntropy(Primitive):
    """Softmax + negative log-likelihood of integer labels; dL/dlogits = (softmax − one-hot) · g / N."""

    label = "cross_entropy"
    saves_inputs = True
    exact_array_grads = True

    @staticmethod
    def forward(ctx, logits, target, reduction):
        """The reduced losses, computed on ``logits − max`` per row; keeps the softmax in ``ctx.probs``.

        As in PyTorch (log_softmax, then the label's entry), a row whose maximum is +inf, −inf
        or NaN has a NaN loss and NaN gradients; a −inf logit among finite ones is a probability of 0.
        """
        ctx.reduction = reduction
        with errstate():  # such rows give inf or nan quietly, as NumPy would
            shifted = logits - reduce_rows(xp.maximum, logits)
            e = xp.exp(shifted)
            total = reduce_rows(xp.add, e)
            ctx.label_index = _label_index(target, shifted.shape[1])
            losses = xp.log(total[:, 0]) - shifted.ravel()[ctx.label_index]
            e /= total
            ctx.probs = e  # reused by a first-order backward; recomputed as a Tensor op for higher orders
            return _reduce(losses, reduction)

    @staticmethod
    def backward(ctx, g):
        logits, target = ctx.saved_inputs
        scale = _scale(g, ctx.reduction, logits.shape[0], per_sample=True)
        return (logits.softmax(axis=1) - _one_hot(target._data, logits)) * scale, None

    @staticmethod
    def array_backward(ctx, g):
        """The first-order rule as one fused array expression, reusing the forward's softmax."""
        _logits, _labels = ctx.saved_input_arrays  # read to refuse either if changed in place since forward
        d = ctx.probs.copy()  # C-ordered, as the label index assumes
        d.ravel()[ctx.label_index] -= 1
        if ctx.reduction == "none":
            d *= g[:, None]
        else:  # a number: 0-d arrays are slow operands
            d *= float(g) / max(len(d), 1) if ctx.reduction == "mean" else float(g)  # (no rows: d is empty)
        return d, None


class NLL(Primitive):
    """Negative log-likelihood of integer labels given log-probabilities: −x[i, y_i]."""

    label = "nll_loss"

    @staticmethod
    def forward(ctx, logp, target, reduction):
        ctx.reduction = reduction
        ctx.meta = (logp.shape, logp.dtype, target)
        return _reduce(-logp[_rows(len(target)), target], reduction)

    @staticmethod
    def backward(ctx, g):
        shape, dtype, target = ctx.meta
        onehot = Tensor._make(_one_hot_array(target, shape, dtype))
        return -onehot * _scale(g, ctx.reduction, shape[0], per_sample=True), None


class MulticlassSVM(Primitive):
    """Weston–Watkins hinge: L_i = Σ_{j≠y_i} max(0, s_j − s_{y_i} + margin)."""

    label = "svm_loss"

    @staticmethod
    def forward(ctx, scores, target, reduction, margin):
        ctx.reduction = reduction
        rows = _rows(len(target))
        m = scores - scores[rows, target][:, None] + margin
        m[rows, target] = 0
        active = m > 0
        coef = active.astype(scores.dtype)
        coef[rows, target] = -active.sum(axis=1)  # the correct score pulls once per violated margin
        ctx.coef = coef
        ctx.active = active
        return _reduce(xp.where(active, m, 0).sum(axis=1), reduction)

    @staticmethod
    def backward(ctx, g):
        return Tensor._make(ctx.coef) * _scale(g, ctx.reduction, ctx.coef.shape[0], per_sample=True), None

    @staticmethod
    def branches(node):
        return node.active


class MSE(Primitive):
    """(a − t)²; dL/da = 2(a − t) · g (÷ numel for 'mean')."""

    label = "mse_loss"
    saves_inputs = True

    @staticmethod
    def forward(ctx, a, t, reduction):
        ctx.reduction = reduction
        d = a - t
        return _reduce(d * d, reduction)

    @staticmethod
    def backward(ctx, g):
        a, t = ctx.saved_inputs
        d = 2 * (a - t) * _scale(g, ctx.reduction, a.size, per_sample=False)
        return d, (-d if ctx.needs_input_grad[1] else None)


class BCEWithLogits(Primitive):
    """Binary cross-entropy on logits, (1 − y)·x − log σ(x); dL/dx = σ(x) − y.

    −log σ(x) is −min(x, 0) + log(1 + e^−|x|), stable for any x; written as PyTorch does, so that
    infinite logits give the same inf or NaN (x = +inf, y = 0: inf; x = −inf, y = 1: 0·(−inf) = NaN).
    """

    label = "bce_with_logits"
    saves_inputs = True

    @staticmethod
    def forward(ctx, x, y, reduction):
        ctx.reduction = reduction
        with errstate():
            return _reduce((1 - y) * x - xp.minimum(x, 0) + xp.log1p(xp.exp(-xp.abs(x))), reduction)

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_inputs
        scale = _scale(g, ctx.reduction, x.size, per_sample=False)
        gx = (x.sigmoid() - y) * scale if ctx.needs_input_grad[0] else None
        gy = -x * scale if ctx.needs_input_grad[1] else None
        return gx, gy


class BCE(Primitive):
    """Binary cross-entropy on probabilities, with log clamped at −100 (PyTorch's BCELoss).

    The gradients are PyTorch's: for p, (p − y) / max(p(1 − p), 1e-12); for y, −logit(p), which is
    ±inf at p = 1 or 0 even though the clamped loss there has slope ∓100.
    """

    label = "bce_loss"
    saves_inputs = True

    @staticmethod
    def forward(ctx, p, y, reduction):
        ctx.reduction = reduction
        with errstate():  # log(0) = −inf is expected here: it is clamped
            log_p = xp.maximum(xp.log(p), LOG_FLOOR)
            log_q = xp.maximum(xp.log1p(-p), LOG_FLOOR)
        return _reduce(-(y * log_p + (1 - y) * log_q), reduction)

    @staticmethod
    def backward(ctx, g):
        p, y = ctx.saved_inputs
        scale = _scale(g, ctx.reduction, p.size, per_sample=False)
        gp = gy = None
        if ctx.needs_input_grad[0]:
            gp = (p - y) / ((1 - p) * p).clip(PROB_FLOOR, None) * scale
        if ctx.needs_input_grad[1]:  # −logit(p), unclamped as in PyTorch: ±inf where p is 1 or 0
            gy = ((1 - p).log() - p.log()) * scale
        return gp, gy


def _one_hot_array(target, shape: tuple, dtype):
    out = xp.zeros(shape, dtype)
    out[_rows(shape[0]), target] = 1
    return out


def _one_hot(target, like: Tensor) -> Tensor:
    return Tensor._make(_one_hot_array(target, like.shape, like.dtype))



# ------------------------------------------------------------------ loss options, composed of differentiable ops
# Built from indexing, Mul, Sum and where, so both backward rules (and higher orders) come for free; the fused
# nodes above stay the no-option fast path.


def class_rows(x: Tensor) -> Tensor:
    """(C,) → (1, C); (N, C) as is; (N, C, d1, …) → (N·d1·…, C): one row of class scores per sample."""
    if x.ndim == 1:
        return x.reshape(1, -1)
    if x.ndim > 2:
        x = x.permute(0, *range(2, x.ndim), 1)
        return x.reshape(-1, x.shape[-1])
    return x


def labelled_nll(logp: Tensor, labels, weight, ignore_index: int, smoothing: float, reduction: str, shape: tuple):
    """PyTorch's nll_loss / cross_entropy on rows of log-probabilities (M, C) and labels (M,).

    loss_i = −(1 − ε)·w_{y_i}·logp[i, y_i] − (ε/C)·Σ_c w_c·logp[i, c], and 0 where y_i = ignore_index;
    'mean' divides by Σ w_{y_i} over the kept samples (NaN when none is kept), as PyTorch does.
    """
    m, c = logp.shape
    keep = labels != ignore_index
    safe = xp.where(keep, labels, 0)
    w_label = (weight[safe] if weight is not None else xp.ones(m, logp.dtype)) * keep
    losses = logp[xp.arange(m), safe] * Tensor._make((smoothing - 1) * w_label)
    if smoothing:
        spread = logp * Tensor._make(weight) if weight is not None else logp
        smooth = spread.sum(axis=1) * (-smoothing / c)
        losses = losses + where(Tensor._make(keep), smooth, 0.0)
    if reduction == "none":
        return losses.reshape(shape)
    total = losses.sum()
    if reduction == "sum":
        return total
    denom = float(w_label.sum())
    return total / denom if denom else total * 0.0 + xp.nan  # no kept sample: NaN, with zero gradients (PyTorch's)


def soft_cross_entropy(logp: Tensor, target: Tensor, weight, smoothing: float, reduction: str, shape: tuple) -> Tensor:
    """−Σ_c w_c·t_c·logp_c per row of (M, C), with t ← (1 − ε)·t + ε/C; 'mean' divides by M (PyTorch's rule)."""
    if smoothing:
        target = target * (1 - smoothing) + smoothing / logp.shape[1]
    if weight is not None:
        target = target * Tensor._make(weight)
    return _reduce_tensor(-(target * logp).sum(axis=1).reshape(shape), reduction)


def bce_with_logits_options(x: Tensor, y: Tensor, weight, pos_weight, reduction: str) -> Tensor:
    """PyTorch's (1 − y)·x + (1 + (p − 1)·y)·softplus(−x), times weight; p = pos_weight broadcast on the last axis."""
    if pos_weight is None:
        losses = BCEWithLogits.apply(x, y, reduction="none")
    else:  # softplus(−x) exactly as PyTorch writes it: the fused loss of −x against 0
        softplus_neg = BCEWithLogits.apply(-x, Tensor._make(xp.zeros_like(x._data)), reduction="none")
        losses = (1 - y) * x + ((pos_weight - 1) * y + 1) * softplus_neg
    return _reduce_tensor(losses * weight if weight is not None else losses, reduction)


def _reduce_tensor(losses: Tensor, reduction: str) -> Tensor:
    """``_reduce`` with differentiable ops: the losses, their sum or their mean (NaN for none)."""
    if reduction == "none":
        return losses
    return losses.sum() if reduction == "sum" else losses.mean()
