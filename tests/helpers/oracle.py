"""One factory for op tests: gradcheck, gradgradcheck and PyTorch as oracle (ARCHITECTURE rule 9).

An op family lists ``Case``s; ``check_case`` runs every check a case asks for,
over each of its input-shape tuples (broadcasting pairs and 0-d included).
``f`` is written with methods/functions PyTorch shares (``x.exp()``,
``m.maximum(a, b)`` with ``m`` the module), so one expression serves both
libraries; ``torch_f`` overrides it where the spelling differs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest

import chainrule as cr

try:
    import torch
except ImportError:  # the suite passes without torch; oracle comparisons are skipped
    torch = None

UNARY = [((),), ((3,),), ((2, 3),)]
BINARY = [((), ()), ((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2, 3)), ((2, 1, 3), (4, 1))]


@dataclass
class Case:
    """One differentiable expression ``f(m, *xs)`` and the shapes to try it on."""

    name: str
    f: Callable
    shapes: list
    domain: str = "real"  # "real", "positive" or "kinkfree" (|x| >= 0.25, no ties)
    twice: bool = True  # second derivatives defined (gradgradcheck, torch second order)
    torch_f: Callable | None = None

    def __str__(self) -> str:
        return self.name


def draw(shape: tuple, domain: str, rng: np.random.Generator) -> np.ndarray:
    """float64 test values away from the op's trouble spots."""
    if domain == "positive":
        return rng.uniform(0.5, 2.0, size=shape)
    if domain == "kinkfree":
        size = int(np.prod(shape))
        magnitude = 0.25 + 0.3 * rng.permutation(size) + rng.uniform(0.0, 0.1, size)
        return (magnitude * rng.choice([-1.0, 1.0], size=size)).reshape(shape)
    return rng.standard_normal(shape)


def case_params(cases: list) -> list:
    """``pytest.param`` per (case, shapes), with readable ids."""
    return [pytest.param(c, s, id=f"{c.name}-{'-'.join(map(str, s))}") for c in cases for s in c.shapes]


def inputs_for(case: Case, shapes: tuple, seed: int = 0) -> list:
    rng = np.random.default_rng(seed)
    return [draw(s, case.domain, rng) for s in shapes]


def check_case(case: Case, shapes: tuple) -> None:
    """gradcheck (+ gradgradcheck) in float64, then PyTorch values and gradients to 1e-6."""
    arrays = inputs_for(case, shapes)
    xs = [cr.tensor(a, dtype=cr.float64, requires_grad=True) for a in arrays]
    f = lambda *t: case.f(cr, *t)  # noqa: E731
    assert cr.gradcheck(f, xs)
    if case.twice:
        assert cr.gradgradcheck(f, xs)
    if torch is not None:
        compare_with_torch(case, arrays)


def compare_with_torch(case: Case, arrays: list, tol: float = 1e-6) -> None:
    """Value, gradient and (if ``twice``) Hessian-vector product agree with PyTorch."""
    ours = _derivatives(cr, case.f, arrays, case.twice)
    theirs = _derivatives(torch, case.torch_f or case.f, arrays, case.twice)
    for what, a, b in zip(_labels(len(arrays)), ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol, err_msg=f"{case.name}: {what} differs from torch")


def _labels(n: int) -> list:
    return ["value"] + [f"grad of input {i}" for i in range(n)] + [f"second derivative of input {i}" for i in range(n)]


def _derivatives(m, f: Callable, arrays: list, twice: bool) -> list:
    """Output, vector-Jacobian products and (with ``twice``) their derivative along fixed directions."""
    lib = _Lib(m)
    xs = [lib.tensor(a, requires_grad=True) for a in arrays]
    out = f(m, *xs)
    rng = np.random.default_rng(7)
    w = lib.tensor(rng.standard_normal(tuple(out.shape)), requires_grad=twice)
    grads = lib.grad(out, xs, w, create_graph=twice)
    result = [lib.numpy(out)] + _arrays(lib, grads, arrays)
    if twice:
        vs = [lib.tensor(rng.standard_normal(a.shape)) for a in arrays]
        start = (out * w).sum() * 0  # depends on w, so PyTorch always has a graph to differentiate
        s = sum(((g * v).sum() for g, v in zip(grads, vs, strict=True) if g is not None), start)
        second = lib.grad(s, xs, None, create_graph=False)
        result += _arrays(lib, second, arrays)
    return result


def _arrays(lib, grads: tuple, arrays: list) -> list:
    """Gradients as float64 arrays, zeros where an input was not used."""
    return [np.zeros(a.shape) if g is None else lib.numpy(g) for g, a in zip(grads, arrays, strict=True)]


class _Lib:
    """The few calls where chainrule and PyTorch are spelled differently."""

    def __init__(self, m) -> None:
        self.m = m

    def tensor(self, a: np.ndarray, requires_grad: bool = False):
        if self.m is cr:
            return cr.tensor(a, dtype=cr.float64, requires_grad=requires_grad)
        return torch.tensor(a, dtype=torch.float64, requires_grad=requires_grad)

    def grad(self, out, xs: list, w, create_graph: bool) -> tuple:
        if not out.requires_grad:
            return (None,) * len(xs)
        if self.m is cr:
            return cr.autograd.grad(out, xs, grad_outputs=w, create_graph=create_graph, allow_unused=True)
        return torch.autograd.grad(out, xs, grad_outputs=w, create_graph=create_graph, allow_unused=True)

    def numpy(self, t) -> np.ndarray:
        return np.asarray(t.detach().numpy(), dtype=np.float64)
