"""Verifying gradients: central differences against the backward pass.

``gradcheck`` compares, for every element of every input that requires grad,
the analytic gradient of ``sum(w * f(inputs))`` (``w`` a fixed random weight of
the output's shape, so every entry of the Jacobian takes part) with the same
quantity from central differences in float64.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from chainrule.autograd.functional import grad as autograd_grad
from chainrule.autograd.mode import enable_grad, no_grad
from chainrule.errors import GradcheckError
from chainrule.tensor import Tensor

RATINGS = ((1e-2, "wrong"), (1e-4, "suspicious"), (1e-7, "good"), (0.0, "excellent"))


def _as_inputs(inputs: Any) -> list:
    return list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]


def _rating(rel: float) -> str:
    for bound, name in RATINGS:
        if rel > bound:
            return name
    return "excellent"


def _projection(shape: tuple, seed: int = 1234) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0.5, 1.5, size=shape) * np.random.default_rng(seed + 1).choice(
        [-1.0, 1.0], size=shape
    )


def _scalar(out: Any, weight: np.ndarray | None) -> float:
    data = np.asarray(out.data if isinstance(out, Tensor) else out, dtype=np.float64)
    return float((data * weight).sum()) if weight is not None else float(data.sum())


def numerical_grad(f: Callable[..., Any], inputs: Any, eps: float = 1e-6, grad_output: Any = None) -> list:
    """Central-difference gradient of ``sum(grad_output * f(*inputs))`` in float64.

    ``inputs`` is one tensor/array or a sequence of them; returns one float64
    array per input. ``grad_output`` defaults to ones (the plain gradient of a
    scalar ``f``).
    """
    grads, _ = _numerical(f, _as_inputs(inputs), eps, grad_output, range(len(_as_inputs(inputs))), False)
    return grads


def _numerical(f: Callable, inputs: list, eps: float, weight: Any, which: Sequence[int], kinks: bool) -> tuple:
    """Numerical gradients of the inputs listed in ``which`` (+ kink flags when asked)."""
    arrays = [np.array(x.data if isinstance(x, Tensor) else x, dtype=np.float64) for x in inputs]
    weight = None if weight is None else np.asarray(getattr(weight, "data", weight), dtype=np.float64)
    grads, flags = [], []
    for i in range(len(arrays)):
        if i not in which:
            grads.append(None)
            flags.append(None)
            continue
        g = np.zeros_like(arrays[i])
        kinked = np.zeros(arrays[i].shape, dtype=bool)
        flat = arrays[i].reshape(-1)
        for j in range(flat.size):
            orig = flat[j]
            flat[j] = orig + eps
            plus, branches_plus = _evaluate(f, arrays, i, kinks)
            flat[j] = orig - eps
            minus, branches_minus = _evaluate(f, arrays, i, kinks)
            flat[j] = orig
            g.reshape(-1)[j] = (_scalar(plus, weight) - _scalar(minus, weight)) / (2 * eps)
            if kinks:
                kinked.reshape(-1)[j] = not _same_branches(branches_plus, branches_minus)
        grads.append(g)
        flags.append(kinked)
    return grads, flags


def _evaluate(f: Callable, arrays: list, varied: int, kinks: bool) -> tuple:
    """Run ``f`` on fresh float64 tensors; with ``kinks``, record the graph to read branch choices."""
    tensors = [Tensor._make(a.copy()) for a in arrays]
    if not kinks:
        with enable_grad():
            return f(*tensors), None
    tensors[varied].requires_grad_(True)
    with enable_grad():
        out = f(*tensors)
    return out, _branches(out)


def _branches(out: Any) -> list:
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


def _same_branches(a: list | None, b: list | None) -> bool:
    if a is None or b is None or len(a) != len(b):
        return a == b
    return all(np.array_equal(x, y) for x, y in zip(a, b))


@dataclass
class ElementCheck:
    """One element of one input: where it is and how the two gradients compare."""

    index: tuple
    analytic: float
    numerical: float
    abs_error: float
    rel_error: float
    kink: bool = False


@dataclass
class InputCheck:
    """The comparison for one input tensor."""

    position: int
    name: str | None
    shape: tuple
    max_rel_error: float
    failed: int
    kinks: int
    worst: list = field(default_factory=list)

    @property
    def rating(self) -> str:
        return _rating(self.max_rel_error)

    @property
    def label(self) -> str:
        return f"input {self.position}" + (f" ({self.name})" if self.name else "")


@dataclass
class GradcheckReport:
    """Per-input results of a gradient check; ``print(report)`` shows a table."""

    inputs: list
    atol: float
    rtol: float
    eps: float

    @property
    def passed(self) -> bool:
        return all(c.failed == 0 for c in self.inputs)

    def __bool__(self) -> bool:
        return self.passed

    def to_dict(self) -> dict:
        return {
            "passed": self.passed,
            "atol": self.atol,
            "rtol": self.rtol,
            "eps": self.eps,
            "inputs": [
                {
                    "position": c.position,
                    "name": c.name,
                    "shape": list(c.shape),
                    "max_rel_error": c.max_rel_error,
                    "rating": c.rating,
                    "failed": c.failed,
                    "kinks": c.kinks,
                    "worst": [vars(e) for e in c.worst],
                }
                for c in self.inputs
            ],
        }

    def __str__(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        lines = [f"gradcheck: {verdict} (eps={self.eps:g}, atol={self.atol:g}, rtol={self.rtol:g})"]
        for c in self.inputs:
            lines.append(
                f"{c.label} shape {c.shape}: max rel error {c.max_rel_error:.2e} ({c.rating}), "
                f"{c.failed} failing, {c.kinks} at kinks"
            )
            lines.append(f"  {'index':<14}{'analytic':>14}{'numerical':>14}{'abs err':>11}{'rel err':>11}")
            for e in c.worst:
                note = "  kink: branch changed within ±eps" if e.kink else ""
                lines.append(
                    f"  {str(e.index):<14}{e.analytic:>14.6g}{e.numerical:>14.6g}"
                    f"{e.abs_error:>11.2e}{e.rel_error:>11.2e}{note}"
                )
        return "\n".join(lines)

    __repr__ = __str__


def gradcheck_report(
    f: Callable[..., Tensor],
    inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    worst: int = 5,
) -> GradcheckReport:
    """Compare analytic and numerical gradients and describe every input's agreement.

    Elements where an input of a kinked op (relu, abs, max, clip, maximum ...)
    changed branch between x − eps and x + eps are flagged as kinks: a mismatch
    there is the finite difference's fault, not the backward's, and does not fail.
    """
    xs = _as_inputs(inputs)
    which = [i for i, x in enumerate(xs) if isinstance(x, Tensor) and x.requires_grad]
    if not which:
        raise ValueError("gradcheck: no input requires grad; pass tensors made with requires_grad=True")
    for i in which:
        if xs[i].dtype != np.float64:
            warnings.warn(
                f"gradcheck: input {i} is {xs[i].dtype}, not float64: expect round-off to dominate; "
                "check with .double() inputs",
                stacklevel=3,
            )
    with enable_grad():
        out = f(*xs)
    if not isinstance(out, Tensor):
        raise TypeError(f"gradcheck: f must return a Tensor, got {type(out).__name__}")
    weight = _projection(out.shape)
    analytic = _analytic(out, [xs[i] for i in which], weight)
    numeric, kinks = _numerical(f, xs, eps, weight, which, kinks=True)
    checks = [_compare(i, xs[i], a, numeric[i], kinks[i], atol, rtol, worst) for i, a in zip(which, analytic)]
    return GradcheckReport(checks, atol, rtol, eps)


def _analytic(out: Tensor, inputs: list, weight: np.ndarray) -> list:
    if not out.requires_grad:
        return [np.zeros(x.shape) for x in inputs]
    with enable_grad():
        grads = autograd_grad(
            out, inputs, grad_outputs=Tensor._make(weight.astype(out.dtype)), retain_graph=True, allow_unused=True
        )
    return [np.zeros(x.shape) if g is None else np.asarray(g.data, dtype=np.float64) for x, g in zip(inputs, grads)]


def _compare(
    position: int,
    x: Tensor,
    analytic: np.ndarray,
    numeric: np.ndarray,
    kinks: np.ndarray,
    atol: float,
    rtol: float,
    k: int,
) -> InputCheck:
    abs_err = np.abs(analytic - numeric)
    scale = np.maximum(np.abs(analytic), np.abs(numeric))
    rel_err = np.where(scale > 0, abs_err / np.where(scale > 0, scale, 1), 0.0)
    bad = (abs_err > atol + rtol * np.abs(numeric)) & ~kinks
    order = np.argsort(-(rel_err + bad * 10.0), axis=None, kind="stable")[:k]
    rows = [
        ElementCheck(
            tuple(int(i) for i in np.unravel_index(j, x.shape)),
            float(analytic.flat[j]),
            float(numeric.flat[j]),
            float(abs_err.flat[j]),
            float(rel_err.flat[j]),
            bool(kinks.flat[j]),
        )
        for j in order
    ]
    smooth = rel_err[~kinks]
    return InputCheck(
        position,
        x.name,
        tuple(x.shape),
        float(smooth.max()) if smooth.size else 0.0,
        int(bad.sum()),
        int(kinks.sum()),
        rows,
    )


def gradcheck(
    f: Callable[..., Tensor],
    inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """True when analytic and numerical gradients agree for every element of every input.

    On disagreement raises :class:`GradcheckError` naming the input, the worst
    element, both values and the errors (or returns False with
    ``raise_exception=False``).
    """
    report = gradcheck_report(f, inputs, eps=eps, atol=atol, rtol=rtol, worst=1)
    if report.passed:
        return True
    if not raise_exception:
        return False
    failing = next(c for c in report.inputs if c.failed)
    e = failing.worst[0]
    raise GradcheckError(
        f"gradcheck failed for {failing.label} of shape {failing.shape}: {failing.failed} of "
        f"{int(np.prod(failing.shape))} element(s) disagree. Worst at index {e.index}: analytic "
        f"{e.analytic:.6g}, numerical {e.numerical:.6g}, abs error {e.abs_error:.3g}, rel error "
        f"{e.rel_error:.3g} (allowed: atol={atol:g} + rtol={rtol:g}·|numerical|)."
    )


def gradgradcheck(
    f: Callable[..., Tensor],
    inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """``gradcheck`` of the first derivatives: checks that backward(create_graph=True) is right."""
    xs = _as_inputs(inputs)
    which = [i for i, x in enumerate(xs) if isinstance(x, Tensor) and x.requires_grad]
    with no_grad():
        out_shape = f(*xs).shape
    upstream = Tensor._make(_projection(out_shape, seed=99))

    def first_derivatives(*args: Tensor) -> Tensor:
        args = list(args)
        for i in which:
            if not args[i].requires_grad:
                args[i] = args[i].detach().requires_grad_(True)
        out = f(*args)
        grads = autograd_grad(
            out, [args[i] for i in which], grad_outputs=upstream.astype(out.dtype), create_graph=True, allow_unused=True
        )
        parts = [g.reshape(-1) for g in grads if g is not None]
        if not parts:
            return Tensor._make(np.zeros(1))
        from chainrule.ops.shape import concatenate

        return concatenate(parts)

    return gradcheck(first_derivatives, xs, eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception)
