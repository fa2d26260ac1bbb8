"""Finite differences in float64 (central by default): the numbers every analytic gradient is compared with.

A *probe* evaluates what is being differentiated at a point given as float64 arrays
and returns ``(value, branches)``: the value as a float64 array and, when asked for
(``varied`` not None), the branch every kinked op took, so that a branch change
between x − eps and x + eps is seen as a kink rather than as a bug.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from chainrule.autograd.mode import enable_grad
from chainrule.tensor import Tensor

Probe = Callable[[list, "int | None"], tuple]


def as_inputs(inputs: Any) -> list:
    """One tensor/array or a sequence of them, as a list."""
    return list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]


def as_float64(value: Any) -> np.ndarray:
    """A Tensor's or array's values as a float64 array."""
    return np.asarray(value._data if isinstance(value, Tensor) else value, dtype=np.float64)


def to_arrays(inputs: list) -> list:
    """Fresh float64 copies of the inputs: the probes perturb these, never the caller's data."""
    return [np.array(as_float64(x)) for x in inputs]


#: The two points each difference quotient uses, as multiples of eps: (f(x + hi·eps) − f(x + lo·eps)) / ((hi − lo)·eps).
METHODS = {"central": (1, -1), "forward": (1, 0), "backward": (0, -1)}


def numerical_grad(
    f: Callable[..., Any], inputs: Any, eps: float = 1e-6, grad_output: Any = None, method: str = "central"
) -> list:
    """Finite-difference gradient of ``sum(grad_output * f(*inputs))`` in float64.

    ``inputs`` is one tensor/array or a sequence of them; returns one float64
    array per input, in its shape. ``grad_output`` defaults to ones (the plain
    gradient of a scalar ``f``). ``method`` picks the quotient: ``"central"``
    (f(x + eps) − f(x − eps)) / 2eps, error O(eps²); or the one-sided ``"forward"``
    (f(x + eps) − f(x)) / eps and ``"backward"`` (f(x) − f(x − eps)) / eps, the
    lectures' first formula, error O(eps).

    >>> cr.numerical_grad(lambda t: (t ** 3).sum(), cr.tensor([1.0, 2.0]))   # [3., 12.]
    >>> cr.numerical_grad(lambda t: t ** 2, cr.tensor(1.0), eps=1e-3, method="forward")   # [2.001]
    """
    if method not in METHODS:
        raise ValueError(f"numerical_grad: method must be one of {', '.join(map(repr, METHODS))}, got {method!r}")
    arrays = to_arrays(as_inputs(inputs))
    weight = None if grad_output is None else as_float64(grad_output)

    def weighted_sum(value: np.ndarray) -> np.ndarray:
        return np.array([value.sum() if weight is None else (value * weight).sum()])

    columns, _, _ = differences(
        forward_probe(f), arrays, range(len(arrays)), eps, weighted_sum, 1, kinks=False, method=method
    )
    return [c.reshape(a.shape) for c, a in zip(columns, arrays)]


def forward_probe(f: Callable[..., Any]) -> Probe:
    """The probe of ``f`` itself: its output, and the branches its kinked ops took when asked."""

    def probe(arrays: list, varied: int | None) -> tuple:
        tensors = [Tensor._make(a.copy()) for a in arrays]
        if varied is not None:
            tensors[varied].requires_grad_(True)  # record the graph, to read the branches off it
        with enable_grad():
            out = f(*tensors)
        return as_float64(out), None if varied is None else branches(out)

    return probe


def differences(
    probe: Probe,
    arrays: list,
    which: Iterable[int],
    eps: float,
    reduce: Callable[[np.ndarray], np.ndarray],
    rows: int,
    kinks: bool,
    method: str = "central",
) -> tuple[list, list, list]:
    """Finite differences (``method``, one of METHODS) of ``reduce(probe value)`` (a vector of ``rows`` numbers)
    for the inputs in ``which``.

    Returns, per input (None for those not in ``which``), a ``(rows, size)`` float64
    array whose column j is the derivative along the input's flat element j, a
    boolean ``(size,)`` array marking the elements where a kinked op changed branch
    (all False unless ``kinks``), and one marking those where eps is below the float spacing, so that
    x + eps and x − eps are the same number (their column is 0: no difference was taken). The quotient divides
    by the step the two points really are apart, not by the nominal one, which rounding may change.
    NaN and Inf are kept, not warned about: the caller reports them.
    """
    which = set(which)
    hi, lo = METHODS[method]
    grads, flags, unresolved = [], [], []
    for i, a in enumerate(arrays):
        if i not in which:
            grads.append(None)
            flags.append(None)
            unresolved.append(None)
            continue
        flat = a.reshape(-1)  # a view: the arrays are contiguous copies
        columns = np.zeros((rows, flat.size))
        kinked = np.zeros(flat.size, dtype=bool)
        lost = np.zeros(flat.size, dtype=bool)
        for j in range(flat.size):
            orig = flat[j]
            with np.errstate(all="ignore"):
                upper, lower = orig + hi * eps, orig + lo * eps
                lost[j] = upper == lower
                if lost[j]:
                    continue
                flat[j] = upper
                plus, branches_plus = probe(arrays, i if kinks else None)
                flat[j] = lower
                minus, branches_minus = probe(arrays, i if kinks else None)
                flat[j] = orig
                columns[:, j] = (reduce(plus) - reduce(minus)) / _step(upper, lower, (hi - lo) * eps)
            kinked[j] = kinks and not same_branches(branches_plus, branches_minus)
        grads.append(columns)
        flags.append(kinked)
        unresolved.append(lost)
    return grads, flags, unresolved


def _step(upper: float, lower: float, nominal: float) -> float:
    """How far apart the two points are: the nominal step, unless rounding at x moved them by over 1e-6 of it."""
    step = float(upper) - float(lower)
    return nominal if abs(step - nominal) <= 1e-6 * nominal else step


def branches(out: Any) -> list:
    """The branch taken by every kinked op (relu, abs, max, clip ...) reachable from ``out``."""
    if not isinstance(out, Tensor) or out.grad_fn is None:
        return []
    found, seen, stack = [], {out.grad_fn}, [out.grad_fn]
    while stack:
        node = stack.pop()
        branch = getattr(type(node), "branches", None)
        if branch is not None:
            found.append(branch(node))
        for inp in node.inputs:
            if isinstance(inp, Tensor) and inp.grad_fn is not None and inp.grad_fn not in seen:
                seen.add(inp.grad_fn)
                stack.append(inp.grad_fn)
    return found


def same_branches(a: list | None, b: list | None) -> bool:
    """Whether two probes took the same branch in every kinked op."""
    if a is None or b is None or len(a) != len(b):
        return a == b
    return all(np.array_equal(x, y) for x, y in zip(a, b))
