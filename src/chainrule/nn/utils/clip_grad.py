"""Gradient clipping: by the total norm of all gradients, or elementwise by value (PyTorch's semantics)."""

from __future__ import annotations

import math
import types
import warnings
from collections.abc import Iterable
from typing import Any

from chainrule.autograd.mode import no_grad
from chainrule.backend import xp
from chainrule.tensor import Tensor

Parameters = Tensor | Iterable[Tensor]


def clip_grad_norm_(
    parameters: Parameters, max_norm: float, norm_type: float | str = 2.0, error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Scale every gradient, in place, by min(1, max_norm / (total + 1e-6)); returns the total norm (0-d Tensor).

    The total is the ``norm_type`` norm of all gradients taken as one vector (the norm of their norms);
    ``norm_type`` may be ``inf`` (or ``"inf"``). Parameters without a gradient are skipped. With
    ``error_if_nonfinite`` a NaN or infinite total raises instead of spreading NaN into the gradients.
    ``foreach`` is accepted for PyTorch's signature; there is one implementation.

    >>> total = nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)   # after backward, before step
    """
    grads = _grads(parameters, warn_if_empty=True)
    p = float(norm_type)
    if not grads:
        return Tensor._make(xp.asarray(0.0, dtype=xp.float32))
    norms = [vector_norm(g._data, p) for g in grads]
    total = vector_norm(xp.stack(norms), p)  # NumPy promotes mixed float dtypes, as torch.stack does
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of order {p} of the gradients is {float(total)}, so they cannot be "
            "clipped; to scale them by it anyway, pass error_if_nonfinite=False"
        )
    scale = xp.minimum(max_norm / (total + 1e-6), 1.0)  # in the total's dtype; NaN stays NaN, as in PyTorch
    with no_grad():
        for g in grads:
            g.mul_(scale)
    return Tensor._make(xp.asarray(total))


def clip_grad_value_(parameters: Parameters, clip_value: float, foreach: bool | None = None) -> None:
    """Clamp every gradient, in place, to [-clip_value, clip_value]; parameters without a gradient are skipped."""
    clip_value = float(clip_value)
    with no_grad():
        for g in _grads(parameters, warn_if_empty=False):
            g.clamp_(-clip_value, clip_value)


def vector_norm(a: Any, p: float) -> Any:
    """The p-norm of array ``a`` as one vector, a NumPy scalar of its dtype (p = 0 counts non-zeros; ±inf: max/min)."""
    if a.size == 0 and (p < 0 or math.isinf(p)):
        raise ValueError(f"vector_norm: the {p} norm of an empty array is undefined (no identity for max, min or 1/x)")
    magnitude = xp.abs(a)
    if p == math.inf:
        return magnitude.max()
    if p == -math.inf:
        return magnitude.min()
    if p == 0:
        return a.dtype.type(xp.count_nonzero(a))
    if p == 2:
        return xp.sqrt(xp.vdot(a.ravel(), a.ravel()))
    if p == 1:
        return magnitude.sum()
    with xp.errstate(divide="ignore"):  # 0 ** -p = inf on purpose: a zero makes a negative order's norm 0
        return (magnitude**p).sum() ** (1 / p)


def _grads(parameters: Parameters, warn_if_empty: bool) -> list[Tensor]:
    """The gradients of ``parameters`` (one Tensor or an iterable), leaving out those that are None."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    else:
        was_generator = isinstance(parameters, types.GeneratorType)
        parameters = list(parameters)
        if warn_if_empty and was_generator and not parameters:
            warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.", stacklevel=3)
    return [p.grad for p in parameters if p.grad is not None]
