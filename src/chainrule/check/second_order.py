"""gradgradcheck: second derivatives against central differences of the first-order gradient.

The first-order gradient g(x, u) = uᵀ∂f/∂x is differentiated twice over: analytically,
as recorded by ``backward(create_graph=True)`` (the Tensor rules), and numerically, from
central differences of g computed by a plain ``backward()`` (the array rules, which
``gradcheck`` compares with f's own differences).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from chainrule.autograd.functional import grad as autograd_grad
from chainrule.autograd.mode import enable_grad
from chainrule.check.numeric import Probe, as_float64, as_inputs, branches
from chainrule.check.report import GradcheckReport
from chainrule.check.run import (
    SEED,
    build_report,
    check_tolerances,
    conclude,
    gradcheck_report,
    projection,
    requiring_grad,
)
from chainrule.creation import tensor
from chainrule.ops.shape import concatenate
from chainrule.tensor import Tensor

SECOND_ORDER_SEED = 99  # of the output gradient u that gradgradcheck starts from


def gradgradcheck(
    f: Callable[..., Tensor],
    inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    *,
    allow_uninformative: bool = False,
) -> bool:
    """``gradcheck`` of ``f``, then of its second derivatives (see :func:`gradgradcheck_report`).

    Returns True when both pass; raises :class:`GradcheckError` (or returns False with
    ``raise_exception=False``) naming which one failed or was not informative.
    """
    first = gradcheck_report(f, inputs, eps=eps, atol=atol, rtol=rtol, worst=1)
    if first.failed or not (first.informative or allow_uninformative):
        return conclude(first, raise_exception, allow_uninformative)
    second = gradgradcheck_report(f, inputs, eps=eps, atol=atol, rtol=rtol, worst=1)
    return conclude(second, raise_exception, allow_uninformative)


def gradgradcheck_report(
    f: Callable[..., Tensor],
    inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    worst: int = 5,
    *,
    seed: int = SEED,
) -> GradcheckReport:
    """Second derivatives of ``f`` against central differences of its first-order gradient.

    With u a fixed output gradient (``projection(out.shape, 99)``), g(x, u) = uᵀ∂f/∂x is
    computed by ``backward(create_graph=True)`` (the Tensor rules) and differentiated with
    respect to the inputs and to u; the numbers are central differences of the same g computed
    by a plain ``backward()`` (the array rules, which ``gradcheck`` compares with f's own
    differences). Differentiating with respect to u checks J itself, so linear ops whose second
    derivative is 0 are still checked meaningfully.
    """
    check_tolerances(eps, atol, rtol, worst)
    xs = as_inputs(inputs)
    which = requiring_grad(xs)
    with enable_grad():
        out = f(*xs)
    upstream = tensor(projection(tuple(out.shape), SECOND_ORDER_SEED), requires_grad=True)
    labels = {i: None for i in which} | {len(xs): "the output gradient u"}
    report = build_report(
        _first_derivatives(f, which, create_graph=True), _first_derivatives_probe(f, which),
        [*xs, upstream], [*which, len(xs)], labels, eps, atol, rtol, worst, False, seed,
    )  # fmt: skip
    report.title = "gradgradcheck"
    projected = "" if report.mode == "scalar" else f" projected on v = projection({report.output_shape}, seed={seed})"
    report.what = (
        f"second derivatives: the derivatives of g(x, u) = uᵀ∂f/∂x{projected}, "
        f"u = chainrule.check.projection({tuple(out.shape)}, seed={SECOND_ORDER_SEED})"
    )
    return report


def _first_derivatives(f: Callable[..., Tensor], which: list, create_graph: bool) -> Callable[..., Tensor]:
    """g(*xs, u) = uᵀ∂f/∂x for the inputs in ``which`` (which must require grad), flattened into one vector."""
    return lambda *args: _gradient(f, which, create_graph, *args)[0]


def _first_derivatives_probe(f: Callable[..., Tensor], which: list) -> Probe:
    """The numbers for gradgradcheck: g by a plain backward(), and the branches of f's own kinked ops."""

    def probe(arrays: list, varied: int | None) -> tuple:
        args = [Tensor._make(a.copy()) for a in arrays]
        for i in which:
            args[i].requires_grad_(True)
        with enable_grad():
            value, out = _gradient(f, which, False, *args)
        return as_float64(value), None if varied is None else branches(out)

    return probe


def _gradient(f: Callable[..., Tensor], which: list, create_graph: bool, *args: Tensor) -> tuple[Tensor, Tensor]:
    """(g, f's output): g the flattened gradients uᵀ∂f/∂x of the inputs in ``which``, u the last argument."""
    *xs, upstream = args
    targets = [xs[i] for i in which]
    out = f(*xs)
    grads = [None] * len(targets)
    if out.requires_grad:
        grads = autograd_grad(out, targets, grad_outputs=upstream.astype(out.dtype), retain_graph=create_graph,
                              create_graph=create_graph, allow_unused=True)  # fmt: skip
    parts = [Tensor._make(np.zeros(int(np.prod(t.shape)))) if d is None else d.reshape(-1)
             for t, d in zip(targets, grads)]  # fmt: skip
    return concatenate(parts), out
